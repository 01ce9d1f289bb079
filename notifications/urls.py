from django.urls import path

from . import views, webhook_views

app_name = "notifications"
urlpatterns = [
    path("deliveries/", views.DeliveryListView.as_view(), name="delivery_list"),
    path("deliveries/<int:pk>/", views.DeliveryDetailView.as_view(), name="delivery_detail"),
    path("deliveries/<int:pk>/retry/", views.DeliveryRetryView.as_view(), name="delivery_retry"),
    path("webhooks/", webhook_views.WebhookListView.as_view(), name="webhook_list"),
    path("webhooks/new/", webhook_views.WebhookFormView.as_view(), name="webhook_create"),
    path("webhooks/<int:pk>/", webhook_views.WebhookDetailView.as_view(), name="webhook_detail"),
    path("webhooks/<int:pk>/edit/", webhook_views.WebhookFormView.as_view(), name="webhook_update"),
    path("webhooks/<int:pk>/secret/", webhook_views.WebhookSecretView.as_view(), name="webhook_secret"),
    path("webhooks/log/", webhook_views.WebhookDeliveryListView.as_view(), name="webhookdelivery_list"),
    path(
        "webhooks/log/<int:pk>/",
        webhook_views.WebhookDeliveryDetailView.as_view(),
        name="webhookdelivery_detail",
    ),
    path(
        "webhooks/log/<int:pk>/retry/",
        webhook_views.WebhookDeliveryRetryView.as_view(),
        name="webhookdelivery_retry",
    ),
]
