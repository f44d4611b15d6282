"""The password policy (settings.AUTH_PASSWORD_VALIDATORS), in Chinese.

Django's own validators are subclassed for their wording (zh-hans
translations are missing or stilted, and `tongxin changepassword` shows these
messages too, not only the web forms); the common-password one also reads a
Chinese list (common_passwords_zh.txt, beside this module) and sees through
digits and symbols added around a common word.
"""

import re
from pathlib import Path

from django.contrib.auth import password_validation as django_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

PASSWORD_HISTORY_COUNT = 5


class MinimumLengthValidator(django_validation.MinimumLengthValidator):
    def __init__(self, min_length: int = 10):
        super().__init__(min_length=min_length)

    def get_error_message(self):
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"至少 {self.min_length} 个字符；"


class CharacterClassesValidator:
    """At least `min_classes` of: upper-case letters, lower-case letters, digits, symbols."""

    CLASSES = ["大写字母", "小写字母", "数字", "符号"]

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    @staticmethod
    def classes_of(password: str) -> set[str]:
        found = set()
        for char in password:
            if char.isdigit():
                found.add("数字")
            elif char.isalpha() and char.isupper():
                found.add("大写字母")
            elif char.isalpha() and char.islower():
                found.add("小写字母")
            elif not char.isalpha():
                found.add("符号")
            # Letters without case (汉字) count as none of the four.
        return found

    def validate(self, password, user=None):
        if len(self.classes_of(password)) < self.min_classes:
            raise ValidationError(
                "密码须包含大写字母、小写字母、数字、符号四类中的至少 %(min_classes)d 类。",
                code="password_too_few_classes",
                params={"min_classes": self.min_classes},
            )

    def get_help_text(self):
        return f"包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类；"


class UserAttributeSimilarityValidator(django_validation.UserAttributeSimilarityValidator):
    """Not the user name, not containing it (forwards or backwards), not too like it."""

    def validate(self, password, user=None):
        username = (getattr(user, "username", "") or "").lower()
        lowered = password.lower()
        if len(username) >= 3 and (username in lowered or username[::-1] in lowered):
            raise ValidationError("密码不能包含用户名。", code="password_contains_username")
        super().validate(password, user)

    def get_error_message(self):
        return "密码与%(verbose_name)s太相似。"

    def get_help_text(self):
        return "不能包含用户名，也不能与用户名、姓名太相似；"


CHINESE_PASSWORD_LIST_PATH = Path(__file__).with_name("common_passwords_zh.txt")
# The product's own name is the first guess against its accounts.
PRODUCT_NAMES = ("tongxin", "同心")
# Shorter words (Django's list has "a", "abc") match only whole passwords:
# "Q7%48201938!" is not "q" with digits around it.
MIN_CORE_LENGTH = 4
# Look-alike characters read as the letters they stand for (p@ssw0rd).
LOOK_ALIKES = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"}
)
_AROUND_SYMBOLS = re.compile(r"^[\W_]+|[\W_]+$")
_AROUND_DIGITS_AND_SYMBOLS = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def _read_list(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip().lower() for line in lines if line.strip() and not line.startswith("#")}


def core_word(password: str) -> str:
    """`password` in lower case without the digits and symbols around it ("" if nothing else)."""
    return _AROUND_DIGITS_AND_SYMBOLS.sub("", password.lower().strip())


class CommonPasswordValidator(django_validation.CommonPasswordValidator):
    """Not a common password (Django's list and common_passwords_zh.txt), not a
    common word with digits or symbols added around it (Password123!,
    woaini-520), and not containing the product's name (Tongxin-demo1)."""

    def __init__(
        self,
        password_list_path=django_validation.CommonPasswordValidator.DEFAULT_PASSWORD_LIST_PATH,
    ):
        super().__init__(password_list_path)
        self.passwords = self.passwords | _read_list(CHINESE_PASSWORD_LIST_PATH)
        # The words inside the listed passwords too: "1qaz2wsx" makes
        # "qaz2wsx" common, so "1qaz2wsx0" is refused as well.
        cores = (core_word(listed) for listed in self.passwords)
        self.common_words = self.passwords | {c for c in cores if len(c) >= MIN_CORE_LENGTH}

    def validate(self, password, user=None):
        lowered = password.lower().strip()
        for name in PRODUCT_NAMES:
            if name in lowered or name in lowered.translate(LOOK_ALIKES):
                raise ValidationError(
                    "密码不能包含系统名称（tongxin、同心）。", code="password_contains_product_name"
                )
        if {lowered, _AROUND_SYMBOLS.sub("", lowered)} & self.passwords:
            raise ValidationError(self.get_error_message(), code="password_too_common")
        core = core_word(password)
        if len(core) >= MIN_CORE_LENGTH and {core, core.translate(LOOK_ALIKES)} & self.common_words:
            raise ValidationError(
                "这个密码只是在常见的词前后加了数字或符号，容易被猜到，请换一个。",
                code="password_common_word",
            )

    def get_error_message(self):
        return "这个密码太常见，容易被猜到，请换一个。"

    def get_help_text(self):
        return "不能是常见密码，也不能只在常见的词前后加数字或符号，不能包含系统名称；"


def recent_password_hashes(user) -> list[str]:
    """The hashes of the user's last PASSWORD_HISTORY_COUNT passwords, current one included."""
    if user is None or not user.pk:
        return []
    hashes = list(
        user.password_history.order_by("-created_at", "-id").values_list("password", flat=True)[
            :PASSWORD_HISTORY_COUNT
        ]
    )
    # Accounts from before the history existed still have a current password.
    if user.password and user.password not in hashes:
        hashes.insert(0, user.password)
    return hashes


class PasswordHistoryValidator:
    """Not one of the user's last PASSWORD_HISTORY_COUNT passwords.

    Each check costs one hash computation per stored password (Argon2, a
    fraction of a second each): acceptable, it runs only when a password is set.
    """

    def validate(self, password, user=None):
        for encoded in recent_password_hashes(user):
            # hashers.check_password, not user.check_password: the latter
            # would re-hash and save the user row on a match.
            if check_password(password, encoded):
                raise ValidationError(
                    "不能使用最近用过的 %(count)d 个密码之一。",
                    code="password_reused",
                    params={"count": PASSWORD_HISTORY_COUNT},
                )

    def get_help_text(self):
        return f"不能与最近用过的 {PASSWORD_HISTORY_COUNT} 个密码相同；"
