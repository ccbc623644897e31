from django.urls import path

from spor.operations import views

urlpatterns = [
    path("jobs/", views.job_list, name="job_list"),
]
