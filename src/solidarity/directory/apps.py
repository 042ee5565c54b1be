from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "solidarity.directory"
    label = "directory"
    verbose_name = "Directory"

    def ready(self) -> None:
        # Imported here: walk loads models, which exist only once the app registry is ready.
        from solidarity.directory import walk

        # How the URL walk makes a real object for each URL keyword of the directory's (core.permissions).
        walk.register()
