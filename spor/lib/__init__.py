"""Plain helpers shared by the apps. Not a Django app."""
