from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "tongxin.engagement"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "培养使用"

    def ready(self):
        from tongxin.people.dictionary_forms import DictionaryKind, register_dictionary_kinds

        from .models import ActivityType

        register_dictionary_kinds(
            DictionaryKind(
                "activity-types",
                ActivityType,
                "活动类型",
                ("name", "synonyms", "sort_order", "is_active"),
                usage_relation="activity",
                usage_label="引用活动数",
            )
        )
