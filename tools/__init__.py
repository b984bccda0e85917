"""Pure integration logic, free of the ORM: signatures, retry timing, circuit
transitions, outbound URL checks and sync conflict merging."""
