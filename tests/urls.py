from django.urls import include, path

from qms.urls import urlpatterns as qms_urlpatterns

urlpatterns = [*qms_urlpatterns, path("kernel/", include("tests.kernelapp.urls"))]
