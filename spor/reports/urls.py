from django.urls import path

from spor.reports import views

urlpatterns = [
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/national/", views.national_figures, name="national_figures"),
]
