"""Apache Airflow on the platform's cluster, installed from the official Helm chart; cloud-neutral."""
