"""Fictional demo accounts and working groups: invented names, example.org addresses, no way to sign in."""

from solidarity.accounts.groups import do_add_member, do_create_group
from solidarity.accounts.models import Membership, User, WorkingGroup
from solidarity.core.permissions import Role

DEMO_MEMBERS = [
    ("rosa.ejemplo", "es"),
    ("sam.placeholder", "en"),
    ("lupe.demo", "es"),
    ("jordan.sample", "en"),
]

DEMO_GROUPS = [
    ("Street Medics Committee", "Trainings, kits and medics in pairs at actions."),
    ("Rapid Response", "The hotline, verification and dispatch."),
    ("Education", "Know-your-rights workshops."),
    ("Funds", "The bond fund and the medical and legal funds."),
]

DEMO_MEMBERSHIPS = [
    ("rosa.ejemplo", "rapid-response", Role.COORDINATOR),
    ("sam.placeholder", "rapid-response", Role.DISPATCHER),
    ("lupe.demo", "rapid-response", Role.RESPONDER),
    ("lupe.demo", "street-medics-committee", Role.COORDINATOR),
    ("jordan.sample", "street-medics-committee", Role.MEMBER),
    ("sam.placeholder", "education", Role.COORDINATOR),
    ("jordan.sample", "funds", Role.TREASURER),
]


def load() -> int:
    """Add what is missing; returns how many accounts, groups and memberships were added."""
    created = 0
    for username, language in DEMO_MEMBERS:
        user, is_new = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org", "language": language}
        )
        if is_new:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            created += 1
    for name, description in DEMO_GROUPS:
        if not WorkingGroup.objects.filter(name=name).exists():
            do_create_group(name=name, description=description)
            created += 1
    for username, slug, role in DEMO_MEMBERSHIPS:
        user = User.objects.get(username=username)
        group = WorkingGroup.objects.get(slug=slug)
        if not Membership.objects.filter(user=user, group=group).exists():
            do_add_member(group, user, [role])
            created += 1
    return created
