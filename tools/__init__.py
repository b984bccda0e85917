"""Pure integration logic, free of the ORM: signatures, retry timing, circuit
transitions, outbound URL checks, sync conflict merging and the
redaction of secrets users may not read."""
