"""The password policy (settings.AUTH_PASSWORD_VALIDATORS), in Chinese.

Django's own validators are subclassed only for their wording: zh-hans
translations are missing or stilted, and `tongxin changepassword` shows these
messages too, not only the web forms.
"""

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


class CommonPasswordValidator(django_validation.CommonPasswordValidator):
    def get_error_message(self):
        return "这个密码太常见，容易被猜到，请换一个。"

    def get_help_text(self):
        return "不能是常见密码；"


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
