from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    """National implementation plans (para 53) and pledges: what States and stakeholders commit to."""

    name = "commitments.pledges"
    label = "pledges"
    verbose_name = _("Plans and pledges")

    def ready(self):
        from commitments import extensions

        from . import delivers, demo, workbook

        extensions.register_part(delivers.DeliversOn())
        if not any(isinstance(s, workbook.PledgeSheets) for s in extensions.WORKBOOK_SHEETS):
            extensions.WORKBOOK_SHEETS.append(workbook.PledgeSheets())
        if not any(isinstance(s, demo.Seeder) for s in extensions.DEMO_SEEDERS):
            extensions.DEMO_SEEDERS.append(demo.Seeder())
        if delivers.state_plan_section not in extensions.ENTITY_SECTIONS:
            extensions.ENTITY_SECTIONS.append(delivers.state_plan_section)
            extensions.WORKSPACE_SECTIONS.append(delivers.workspace_due_section)
