from django.apps import AppConfig


class LevelsConfig(AppConfig):
    name = "tongxin.levels"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "分级、名额与年度更新"

    def ready(self):
        from tongxin.core import registries
        from tongxin.core.kept_tables import forget_on_change
        from tongxin.people.bulk import register_bulk_action
        from tongxin.people.listing import ListFilter, register_list_filter
        from tongxin.regions.models import Region

        from . import tiers
        from .bulk import CHANGE_LEVEL, MARK_REVIEWED
        from .models import ReviewCycle, Tier
        from .selectors import persons_holding_tier, tier_label, tier_value_valid

        register_bulk_action(CHANGE_LEVEL)
        register_bulk_action(MARK_REVIEWED)

        registries.persons_created.register(tiers.persons_created)
        # The person list's tier choices (selectors.tier_choices_for) name the region.
        forget_on_change("levels.tiers", Tier, Region)
        # The year's cycle on every person page and home page (selectors.review_cycle_of).
        forget_on_change("levels.review_cycles", ReviewCycle)
        register_list_filter(
            "tier",
            ListFilter(
                label="所在分级",
                apply=persons_holding_tier,
                valid=tier_value_valid,
                describe=tier_label,
            ),
        )
