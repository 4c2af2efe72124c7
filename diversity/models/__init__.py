"""The diversity side's nouns, one module per feature so the features can grow apart:

- implementations: Implementation, Declaration, Assignment (who runs what, declared or inferred)
- evaluations: ModelEvaluation (how sure fingerprinting is, for the model card)
- fingerprint_state: FingerprintState (what the stored assignments were computed from)
- verdicts: Verdict, Disagreement (reference computation vs submissions and consensus)
- alerts: alert rules, alerts, channels, deliveries; they live with the rest of the alert feature
  in diversity/alerts/models.py and are imported here so that Django registers them.
"""

from diversity.alerts.models import *  # noqa: F401,F403
from diversity.models.evaluations import ModelEvaluation  # noqa: F401
from diversity.models.fingerprint_state import FingerprintState  # noqa: F401
from diversity.models.implementations import *  # noqa: F401,F403
from diversity.models.verdicts import Disagreement, Verdict  # noqa: F401
