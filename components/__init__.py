"""airflow-platform's components: one ComponentResource per concern."""
