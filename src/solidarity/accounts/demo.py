"""Fictional demo accounts and working groups: invented names, example.org addresses, no way to sign in.

The network's own admins are the way in: `solidarity demo` makes each of them a member of the
demo's groups, with the roles that open every page the demo fills (`admins_join`).
"""

from solidarity.accounts.groups import do_add_member, do_create_group, do_set_roles
from solidarity.accounts.models import Membership, User, WorkingGroup
from solidarity.core.permissions import Role

DEMO_MEMBERS = [
    ("rosa.ejemplo", "es"),
    ("sam.placeholder", "en"),
    ("lupe.demo", "es"),
    ("jordan.sample", "en"),
]

# (slug, name, description): a bilingual network names its groups in both of its languages.
DEMO_GROUPS = [
    (
        "street-medics-committee",
        "Street Medics · Brigada de salud",
        "Trainings, kits and medics in pairs at actions. Capacitaciones, botiquines y brigadistas en pareja.",
    ),
    (
        "rapid-response",
        "Rapid Response · Respuesta rápida",
        "The hotline, verification and dispatch. La línea de emergencia, la verificación y el despacho.",
    ),
    ("education", "Education · Educación", "Know-your-rights workshops. Talleres de conozca sus derechos."),
    ("funds", "Funds · Fondos", "The bond fund and the medical and legal funds. El fondo de fianzas y los fondos."),
    (
        "general-assembly",
        "General Assembly · Asamblea general",
        "Convenes the assemblies: agenda, roles, minutes. Convoca las asambleas: orden del día, papeles, actas.",
    ),
    (
        "call-ins",
        "Call-ins · Campañas de llamadas",
        "Call-in campaigns: offices, scripts, callers. Campañas de llamadas: oficinas, guiones, llamadas.",
    ),
    (
        "actions",
        "Actions · Acciones",
        "Public actions: the public page, flyers, roles, jail support. Acciones públicas: la página, los volantes.",
    ),
]

DEMO_MEMBERSHIPS = [
    ("rosa.ejemplo", "rapid-response", [Role.COORDINATOR]),
    ("sam.placeholder", "rapid-response", [Role.DISPATCHER]),
    ("lupe.demo", "rapid-response", [Role.RESPONDER]),
    ("lupe.demo", "street-medics-committee", [Role.COORDINATOR, Role.MEDIC_LEAD]),
    ("jordan.sample", "street-medics-committee", [Role.RESPONDER]),
    ("sam.placeholder", "education", [Role.COORDINATOR]),
    ("jordan.sample", "funds", [Role.TREASURER]),
    ("rosa.ejemplo", "funds", [Role.TREASURER]),  # two treasurers: the one who asks never approves
    ("lupe.demo", "funds", [Role.COORDINATOR]),
    ("rosa.ejemplo", "general-assembly", [Role.FACILITATOR]),
    ("sam.placeholder", "general-assembly", [Role.STACK_KEEPER]),
    ("lupe.demo", "general-assembly", [Role.MINUTE_TAKER]),
    ("jordan.sample", "general-assembly", [Role.TIMEKEEPER]),
    ("rosa.ejemplo", "call-ins", [Role.COORDINATOR]),
    ("sam.placeholder", "call-ins", [Role.COORDINATOR]),  # two organisers: one checks what the other set up
    ("rosa.ejemplo", "actions", [Role.COORDINATOR]),
    ("lupe.demo", "actions", [Role.COORDINATOR]),
    ("jordan.sample", "actions", []),
]

# What an admin holds in each demo group after `solidarity demo`: enough to open every page it fills.
ADMIN_ROLES = {
    "rapid-response": [Role.COORDINATOR, Role.DISPATCHER],
    "education": [Role.COORDINATOR],
    "street-medics-committee": [Role.COORDINATOR],  # runs its trainings: the door, attendance
    "funds": [Role.TREASURER],  # keeps the funds: gifts, approvals, bonds, statements
    "general-assembly": [Role.FACILITATOR],  # runs the assemblies: the agenda, the stack, closing
    "call-ins": [Role.COORDINATOR],  # organises the call-in campaign: checks the office left unchecked
    "actions": [Role.COORDINATOR],  # organises the counter-demonstration: its public page, flyer, checklist
}


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
    for slug, name, description in DEMO_GROUPS:
        if not WorkingGroup.objects.filter(slug=slug).exists():
            do_create_group(name=name, description=description, slug=slug)
            created += 1
    for username, slug, roles in DEMO_MEMBERSHIPS:
        user = User.objects.get(username=username)
        group = WorkingGroup.objects.get(slug=slug)
        if not Membership.objects.filter(user=user, group=group).exists():
            do_add_member(group, user, roles)
            created += 1
    return created


def admins_join() -> list[tuple[User, list[tuple[WorkingGroup, list[Role]]]]]:
    """Every active admin joins the demo's groups, with ADMIN_ROLES (kept if they hold more); who got what."""
    joined = []
    for admin in User.objects.filter(is_superuser=True, is_active=True).order_by("username"):
        held = []
        for slug, roles in ADMIN_ROLES.items():
            group = WorkingGroup.objects.filter(slug=slug).first()
            if group is None:
                continue
            membership = Membership.objects.filter(user=admin, group=group).first()
            if membership is None:
                do_add_member(group, admin, roles, by=admin)
            else:
                do_set_roles(group, admin, {*membership.extra_roles, *roles}, by=admin)
            held.append((group, roles))
        joined.append((admin, held))
    return joined
