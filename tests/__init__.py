# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# Odoo's test runner runs the test modules imported here: every tests/test_*.py
# (dev/hub.py test checks that none is missing).
from . import shared_transaction
from . import test_api_access
from . import test_api_concurrency
from . import test_api_document_truth
from . import test_api_idempotency
from . import test_api_idempotency_header_names
from . import test_api_openapi
from . import test_api_reads
from . import test_api_schemathesis
from . import test_api_unauthenticated_traffic
from . import test_api_writes
from . import test_backoff_schedule
from . import test_booking_records
from . import test_browser_screens
from . import test_browser_tours
from . import test_circuit_transitions
from . import test_company_isolation
from . import test_conflict_merge
from . import test_dashboard_figures
from . import test_endpoint_health
from . import test_error_documentation
from . import test_error_reasons
from . import test_event_log
from . import test_inbound_concurrency
from . import test_inbound_errors
from . import test_inbound_payload_guards
from . import test_inbound_processing
from . import test_inbound_sources
from . import test_inbound_unverified_traffic
from . import test_inbound_webhooks
from . import test_install_and_access
from . import test_latency_buckets
from . import test_metrics_api
from . import test_metrics_dashboard
from . import test_metrics_inbound
from . import test_metrics_retention
from . import test_metrics_sync
from . import test_metrics_windows
from . import test_netguard
from . import test_outbound_circuit_concurrency
from . import test_outbound_circuit_recovery
from . import test_outbound_delivery_outcomes
from . import test_outbound_emit_transaction
from . import test_outbound_endpoint_config
from . import test_outbound_fault_recovery
from . import test_outbound_operator_actions
from . import test_outbound_secret_rotation
from . import test_outbound_ssrf
from . import test_outbound_tls
from . import test_pinned_transport
from . import test_prepared_statements
from . import test_prometheus_endpoint
from . import test_rate_limit_leases
from . import test_resource_declarations
from . import test_rpc_method_access
from . import test_secret_redaction
from . import test_secrets_stay_secret
from . import test_signature_scheme_registry
from . import test_signature_vectors
from . import test_sync_auth_and_buttons
from . import test_sync_circuit
from . import test_sync_conflicts
from . import test_sync_echo_and_realtime
from . import test_sync_faults
from . import test_sync_full_and_delta
from . import test_sync_mapping

# Requests and jobs in Odoo's test mode share the test's transaction: the
# module's own transactions stay in it (see shared_transaction).
shared_transaction.install()
