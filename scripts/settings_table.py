"""Print the README's configuration table from the Settings declaration (run after adding a setting)."""

from comptoir.settings import Settings

for name, field in Settings.model_fields.items():
    default = "" if field.default is None else field.default
    print(f"| `COMPTOIR_{name.upper()}` | `{default}` | {field.description} |")
