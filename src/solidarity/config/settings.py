"""Solidarity's Django settings, built from the environment by config.env."""

from pathlib import Path

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from servestatic.compress import Compressor

from solidarity.config import env

HOME = env.home()
SECRET_KEY = env.secret_key(HOME)
KEYRING_PATH = env.keyring(HOME)
DEBUG = env.flag("SOLIDARITY_DEBUG")
HTTPS = env.flag("SOLIDARITY_HTTPS")
BEHIND_PROXY = env.flag("SOLIDARITY_BEHIND_PROXY")
BASE_URL = env.base_url()
# The environment's SMS backends in failover order ([] when unset). Read them through
# messaging.sms_settings.configured_backends(), which falls back to those an admin saved.
SMS_BACKENDS = env.sms_backends(HOME, BASE_URL)
OPERATOR_EMAIL = env.operator_email()  # told when a sealed network starts locked
REDIS_URL = env.redis_url()
ALLOWED_HOSTS = env.allowed_hosts()

PACKAGE_DIR = Path(__file__).resolve().parent.parent

INSTALLED_APPS = [
    "solidarity.core",
    "solidarity.messaging",
    "solidarity.accounts",
    "solidarity.lists",
    "solidarity.people",
    "solidarity.trainings",
    "solidarity.incidents",
    "solidarity.supplies",
    "solidarity.campaigns",
    "solidarity.events",
    "solidarity.funds",
    "solidarity.meetings",
    "solidarity.directory",
    "solidarity.web",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "ninja",
    "django_tasks_db",
]
if REDIS_URL:
    INSTALLED_APPS.append("django_rq")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "solidarity.core.middleware.permissions_policy",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "solidarity.core.middleware.StaticFiles",  # ServeStatic's files, in the chain's thread
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "solidarity.core.middleware.private_pages",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "solidarity.core.middleware.network_time_zone",
    "solidarity.accounts.middleware.end_expired_sessions",
    "solidarity.accounts.middleware.require_second_factor",
    "solidarity.web.middleware.LockedKeys",
]

# The worker links to pages but serves none: without the JSON API it holds some 65 MB less (config.page_urls).
ROOT_URLCONF = "solidarity.config.page_urls" if env.flag("SOLIDARITY_WORKER") else "solidarity.config.urls"
ASGI_APPLICATION = "solidarity.config.asgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "solidarity.web.context.site",
            ],
        },
    }
]

DATABASES = {"default": env.database(HOME)}

# Cache keys pass through a keyed hash (core.cache), so no raw address or
# identifier ever lands in the cache table or in Redis.
CACHES = {
    "default": (
        {"BACKEND": "solidarity.core.cache.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "solidarity_cache"}
    )
    | {"KEY_FUNCTION": "solidarity.core.cache.hashed_key", "KEY_PREFIX": "solidarity"}
}

TASKS = {
    "default": (
        {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
        if REDIS_URL
        else {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    )
}
RQ_QUEUES = {"default": {"URL": REDIS_URL or "", "DEFAULT_TIMEOUT": 300}}

LIVE_BACKEND = "redis" if REDIS_URL else "database"

_mailer = env.email()
# Every mail goes through the outbox (messaging.mail); the outbox's worker sends through "transport".
MAILERS = {
    "default": {"BACKEND": "solidarity.messaging.mail.OutboxBackend"},
    "transport": {"BACKEND": _mailer.backend, "OPTIONS": _mailer.options},
}
OUTBOX_LEASE_SECONDS = env.outbox_lease_seconds()
OUTBOX_EMAIL_SENDERS = env.outbox_email_senders(_mailer)
OUTBOX_EMAIL_PROCESSES = env.outbox_email_processes()
DEFAULT_FROM_EMAIL = f"Solidarity <noreply@{ALLOWED_HOSTS[0] if ALLOWED_HOSTS[0] != '127.0.0.1' else 'localhost'}>"

# Passwords and sessions.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# allauth's, finding accounts by email through the blind index (accounts.adapter).
AUTHENTICATION_BACKENDS = ["solidarity.accounts.adapter.AuthenticationBackend"]
# Database sessions whose rows name the account, so that signing out ends them all (accounts.sessions).
SESSION_ENGINE = "solidarity.accounts.sessions"
SESSION_COOKIE_AGE = 12 * 60 * 60  # also the absolute lifetime of a signed-in session, enforced server-side
SESSION_IDLE_TIMEOUT = 30 * 60  # a signed-in session ends after this long without a request
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_TRUSTED_ORIGINS = [BASE_URL]
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: browsers send "Origin: null" on POST under no-referrer, which fails CSRF.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = 63072000 if HTTPS else 0
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # local monitors may ask over plain HTTP
# A network often lives on a subdomain of someone else's site: HSTS covers only its own host,
# and self-hosted installs do not belong on the browsers' preload list.
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Languages: every page under /en/ or /es/.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# Static files: collected into the home, served compressed with hashed names.
STATIC_URL = "/static/"
STATIC_ROOT = HOME / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": HOME / "media"}},
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedManifestStaticFilesStorage"},
}
SERVESTATIC_KEEP_ONLY_HASHED_FILES = True
# Source maps (megabytes, for developers' tools only) are not worth compressing at every deploy.
SERVESTATIC_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# Accounts: invitation only, login by username or email, MFA.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:dashboard"
ACCOUNT_ADAPTER = "solidarity.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"reset_password": "solidarity.accounts.forms.ResetPasswordForm"}
# Django's: it also binds a reset link to the account's email, and does not copy the email into
# allauth's own table in clear, as allauth's does.
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "django.contrib.auth.tokens.PasswordResetTokenGenerator"  # noqa: S105
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Adding or removing a second factor needs a password or second factor presented this recently, at
# sign-in or when asked again (accounts.adapter.AccountAdapter.is_reauthentication_required).
ACCOUNT_REAUTHENTICATION_TIMEOUT = 5 * 60
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not HTTPS
MFA_TOTP_ISSUER = "Solidarity"
# A code from the step before or after the server's own is taken too (RFC 6238 5.2): a cheap phone's
# clock drifts, and a code can turn over while it is typed. Each code is still taken only once.
MFA_TOTP_TOLERANCE = 1

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "solidarity.core.logs.ScrubbingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "solidarity": {"level": "INFO"},
        "django.request": {"level": "ERROR"},
        "django.tasks": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_CLASS = "solidarity.core.api.Pagination"  # limit and offset bounded: out of range is a 422
CSRF_FAILURE_VIEW = "solidarity.web.views.csrf_failure"
if BEHIND_PROXY:
    ALLAUTH_TRUSTED_PROXY_COUNT = 1  # the proxy's X-Forwarded-For names the client, for login throttling
