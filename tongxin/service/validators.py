"""Contact phone numbers of member units: a landline or a mainland mobile.

Deliberately loose (units give switchboards, extensions, hotlines) but clear:
what is stored is a normalised form, and anything that cannot be a phone
number is refused with a sentence saying what was expected.
"""

import re
import unicodedata

from tongxin.people.validators import MobileError, parse_mobile


class PhoneError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# 0771-5551234, (0771)5551234, 0771 555 1234, 5551234, optionally 转123 / -123 / ext 123.
_LANDLINE = re.compile(
    r"^(?:\(?(?P<area>0[0-9]{2,3})\)?[-\s]?)?(?P<local>[2-9][0-9]{6,7})"
    r"(?:\s*(?:转|分机|ext\.?|x|-|#)\s*(?P<ext>[0-9]{1,6}))?$"
)
# Nationwide service numbers: 400-/800- numbers and short hotlines such as 12345.
_SERVICE = re.compile(r"^(?P<prefix>[48]00)[-\s]?(?P<a>[0-9]{3})[-\s]?(?P<b>[0-9]{4})$")
_HOTLINE = re.compile(r"^1[0-9]{4}$")

_MESSAGE = (
    "联系电话格式不正确：请填写固定电话（如 0771-5551234，分机写作 0771-5551234转123）"
    "或11位手机号码"
)


def parse_phone(raw: str) -> str:
    """The normalised phone number in `raw`; raise PhoneError. Empty stays empty."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        return ""
    text = re.sub(r"\s+", " ", text)
    compact = re.sub(r"[\s\-]", "", text)
    if compact.startswith("+86"):
        compact = compact[3:]
        text = text[3:].strip()
    if re.fullmatch(r"1[0-9]{10}", compact):
        try:
            return parse_mobile(compact)
        except MobileError as error:
            raise PhoneError(f"联系电话：{error.message}") from None
    if _HOTLINE.fullmatch(compact):
        return compact
    service = _SERVICE.fullmatch(text) or _SERVICE.fullmatch(compact)
    if service:
        return f"{service['prefix']}-{service['a']}-{service['b']}"
    landline = _LANDLINE.fullmatch(text.lower()) or _LANDLINE.fullmatch(compact.lower())
    if landline:
        result = landline["local"]
        if landline["area"]:
            result = f"{landline['area']}-{result}"
        if landline["ext"]:
            result += f"转{landline['ext']}"
        return result
    if re.search(r"[^0-9\s\-()+#转分机ext.x]", text.lower()):
        raise PhoneError("联系电话只能包含数字、“-”、括号和“转”（分机）")
    raise PhoneError(_MESSAGE)
