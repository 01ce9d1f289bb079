from urllib.parse import urlsplit

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from . import access
from .forms import BootstrapMixin
from .modules import installed
from .views import due, imports, packs, pages, processes, security, shared


class _PasswordChangeForm(BootstrapMixin, auth_views.PasswordChangeForm):
    pass


class _PasswordResetForm(BootstrapMixin, auth_views.PasswordResetForm):
    def save(self, **kwargs):
        # The link in the email points at the public address (BASE_URL), whatever host the
        # request came in on.
        kwargs["domain_override"] = urlsplit(settings.BASE_URL).netloc
        kwargs["use_https"] = settings.BASE_URL.startswith("https://")
        return super().save(**kwargs)


class _SetPasswordForm(BootstrapMixin, auth_views.SetPasswordForm):
    pass


account_urls = [
    path("login/", security.LoginView.as_view(), name="login"),
    path("login/code/", security.LoginCodeView.as_view(), name="login_code"),
    path("two-factor/", security.TwoFactorView.as_view(), name="two_factor"),
    path("logout/", access.account(auth_views.LogoutView.as_view()), name="logout"),
    path(
        "password/change/",
        # The user's own credentials, not QMS data: an auditor handed a first password may change
        # it (as they could already reset it by email), so this is an account page like logout.
        access.account(auth_views.PasswordChangeView.as_view(form_class=_PasswordChangeForm)),
        name="password_change",
    ),
    path(
        "password/change/done/",
        access.login_required(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        access.public(auth_views.PasswordResetView.as_view(form_class=_PasswordResetForm)),
        name="password_reset",
    ),
    path(
        "password/reset/done/",
        access.public(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        access.public(
            auth_views.PasswordResetConfirmView.as_view(
                form_class=_SetPasswordForm, success_url=reverse_lazy("password_reset_complete")
            )
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        access.public(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    path("profile/", pages.ProfileView.as_view(), name="profile"),
]

urlpatterns = [
    path("", due.MyWorkView.as_view(), name="my_work"),
    path("due/", due.DueListView.as_view(), name="due_list"),
    path("health/", pages.health, name="health"),
    path("overview/", due.OverviewView.as_view(), name="overview"),
    path("search/", pages.SearchView.as_view(), name="search"),
    path("people/", pages.PeopleSearchView.as_view(), name="people_search"),
    path("pick/<str:picker>/", pages.PickerSearchView.as_view(), name="picker_search"),
    path("access-log/", security.AccessLogView.as_view(), name="access_log"),
    path("access-log/unlock/", security.UnlockView.as_view(), name="access_unlock"),
    path("audit-pack/", packs.AuditPackView.as_view(), name="audit_pack"),
    path("audit-pack/<int:pk>/", packs.AuditPackDetailView.as_view(), name="audit_pack_detail"),
    path("audit-pack/<int:pk>/progress/", packs.AuditPackProgressView.as_view(), name="audit_pack_progress"),
    path("audit-pack/<int:pk>/download/", packs.AuditPackDownloadView.as_view(), name="audit_pack_download"),
    path("processes/", processes.ProcessListView.as_view(), name="process_list"),
    path("processes/new/", processes.ProcessFormView.as_view(), name="process_create"),
    path("processes/<int:pk>/edit/", processes.ProcessFormView.as_view(), name="process_update"),
    path("import/<str:key>/", imports.ImportView.as_view(), name="import"),
    path("account/", include(account_urls)),
    path(
        "records/<str:label>/<int:pk>/attachments/",
        shared.AttachmentUploadView.as_view(),
        name="attachment_upload",
    ),
    path("files/<str:label>/<int:pk>/", shared.FileDownloadView.as_view(), name="file_download"),
    path("records/<str:label>/<int:pk>/comments/", shared.CommentCreateView.as_view(), name="comment_create"),
    path("records/<str:label>/<int:pk>/links/", shared.LinkCreateView.as_view(), name="link_create"),
    path(
        "records/<str:label>/<int:pk>/links/<int:link_pk>/delete/",
        shared.LinkDeleteView.as_view(),
        name="link_delete",
    ),
    path("admin/", admin.site.urls),
]

# Each installed module brings its own URLs under the prefix it declares (qms.modules).
for entry in installed():
    if entry.urls:
        urlpatterns.append(path(entry.prefix, include(entry.urls)))

# The REST API and its token page (api/), when installed.
if django_apps.is_installed("api"):
    urlpatterns += [
        path("api/v1/", include("api.urls")),
        path("account/api-tokens/", include("api.web_urls")),
    ]

handler404 = "qms.views.errors.not_found"
