from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "tongxin.engagement"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "培养使用"

    def ready(self):
        from tongxin.people.bulk import register_bulk_action
        from tongxin.people.dictionary_forms import DictionaryKind, register_dictionary_kinds
        from tongxin.people.listing import ListFilter, register_list_filter

        from .bulk import ADD_TO_ACTIVITY, ADD_TO_TRAINING
        from .models import ActivityType, PositionType
        from .selectors import persons_holding_position

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
        register_list_filter(
            "position",
            ListFilter(
                label="现任职务",
                apply=persons_holding_position,
                valid=lambda value: value in PositionType.values,
                describe=lambda value: PositionType(value).label,
            ),
        )
        register_bulk_action(ADD_TO_ACTIVITY)
        register_bulk_action(ADD_TO_TRAINING)
