"""DR failover, failback and their second deploys on the pilot-light stack of tests/integration/test_dr.py
(issue 14). Imported at the END of test_dr.py (``from tests.integration.dr_failover_cases import *``), so
these tests run after the pilot light's on the module-scoped ``dr_stack`` fixture. Owned by the failover work.
"""
