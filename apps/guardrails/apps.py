from django.apps import AppConfig


class GuardrailsConfig(AppConfig):
    name = "apps.guardrails"
