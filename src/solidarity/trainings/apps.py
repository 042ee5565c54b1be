from django.apps import AppConfig


class TrainingsConfig(AppConfig):
    name = "solidarity.trainings"
    label = "trainings"
    verbose_name = "Trainings"
