from functools import partial

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class DiversityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "diversity"

    def ready(self) -> None:
        """Rule settings and implementations are edited a row at a time by hand (the admin, the
        API), never in bulk, and change what the pages show: each edit replaces the version of
        their part of the state (votes/state.py), like the pipeline's writes do."""
        from votes import state

        edited_by_hand = {"diversity.RuleSetting": state.ALERTS,
                          "diversity.Implementation": state.FINGERPRINT}  # fmt: skip
        for model, part in edited_by_hand.items():
            for signal in (post_save, post_delete):
                signal.connect(partial(bump_on_edit, part), sender=model, weak=False)


def bump_on_edit(part: str, **signal_arguments) -> None:
    from votes import state

    state.bump(part)
