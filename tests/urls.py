"""The project's URLs plus the test app's: selected per test with @pytest.mark.urls("tests.urls").

Not the suite's ROOT_URLCONF, so the URL walk (tests/test_url_walk.py) sees the project's URLs only.
"""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from solidarity.config.urls import handler400, handler403, handler404, handler500, urlpatterns

urlpatterns = [
    *urlpatterns,
    *i18n_patterns(path("test/", include("tests.testapp.urls")), prefix_default_language=True),
]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
