"""Fictional demo accounts: invented names, example.org addresses, no way to sign in."""

from solidarity.accounts.models import User

DEMO_MEMBERS = [
    ("rosa.ejemplo", "es"),
    ("sam.placeholder", "en"),
    ("lupe.demo", "es"),
    ("jordan.sample", "en"),
]


def load() -> int:
    created = 0
    for username, language in DEMO_MEMBERS:
        user, is_new = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org", "language": language}
        )
        if is_new:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            created += 1
    return created
