"""Blueprints for the Checkov comparison: per provider one that passes every guardrail rule
mapped to a Checkov id, and one that breaks several of them."""

from typing import Any

TAGS = {"owner": "platform-team", "cost_center": "cc-1234"}


def _component(name: str, type_: str, provider: str, region: str, **properties: Any) -> dict:
    return {
        "name": name,
        "type": type_,
        "provider": provider,
        "region": region,
        "properties": properties,
        "tags": TAGS,
        "depends_on": [],
    }


def aws(name: str, type_: str, **properties: Any) -> dict:
    return _component(name, type_, "aws", "eu-west-1", **properties)


def azure(name: str, type_: str, **properties: Any) -> dict:
    return _component(name, type_, "azure", "westeurope", **properties)


def gcp(name: str, type_: str, **properties: Any) -> dict:
    return _component(name, type_, "gcp", "europe-west1", **properties)


AWS_GOOD = {
    "components": [
        aws(
            "logs-bucket",
            "s3",
            server_side_encryption="aws:kms",
            acl="private",
            versioning={"enabled": True},
            logging={"target_bucket": "central-logs", "target_prefix": "logs/"},
            block_public_acls=True,
            block_public_policy=True,
        ),
        aws(
            "web-sg",
            "security-group",
            description="Web tier",
            ingress=[
                {"from_port": 443, "to_port": 443, "protocol": "tcp",
                 "cidr_blocks": ["0.0.0.0/0"], "description": "HTTPS"},
                {"from_port": 22, "to_port": 22, "protocol": "tcp",
                 "cidr_blocks": ["10.0.0.0/8"], "description": "SSH from the VPN"},
            ],
        ),
        aws(
            "orders-db",
            "rds",
            engine="postgres",
            instance_class="db.t3.medium",
            allocated_storage=100,
            username="app",
            password="not-rendered",
            storage_encrypted=True,
            publicly_accessible=False,
            multi_az=True,
            backup_retention_period=7,
            deletion_protection=True,
            iam_database_authentication_enabled=True,
        ),
        aws(
            "api-server",
            "ec2",
            ami="ami-0c55b159cbfafe1f0",
            instance_type="t3.medium",
            monitoring=True,
            associate_public_ip_address=False,
            metadata_options={"http_endpoint": "enabled", "http_tokens": "required"},
            root_block_device={"encrypted": True},
        ),
        aws("data-volume", "ebs", availability_zone="eu-west-1a", size=100, encrypted=True),
        aws(
            "front-lb",
            "load-balancer",
            load_balancer_type="application",
            subnets=["subnet-0a1b2c3d", "subnet-4e5f6a7b"],
            drop_invalid_header_fields=True,
            listener_protocol="HTTPS",
            access_logs={"enabled": True, "bucket": "central-logs"},
        ),
        aws(
            "worker-fn",
            "lambda",
            function_name="worker",
            role="arn:aws:iam::123456789012:role/worker",
            runtime="python3.12",
            handler="app.handler",
            filename="worker.zip",
            tracing_config={"mode": "Active"},
            dead_letter_config={"target_arn": "arn:aws:sqs:eu-west-1:123456789012:dlq"},
        ),
    ],
    "relations": [],
}  # fmt: skip

AWS_BAD = {
    "components": [
        aws(
            "public-bucket",
            "s3",
            acl="public-read",
            versioning={"enabled": False},
            block_public_acls=False,
            block_public_policy=False,
        ),
        aws(
            "open-sg",
            "security-group",
            description="Open",
            ingress=[
                {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]},
                {"from_port": 3389, "to_port": 3389, "protocol": "tcp",
                 "cidr_blocks": ["0.0.0.0/0"]},
            ],
        ),
        aws(
            "open-db",
            "rds",
            engine="mysql",
            instance_class="db.t3.micro",
            allocated_storage=20,
            storage_encrypted=False,
            publicly_accessible=True,
            multi_az=False,
            backup_retention_period=0,
            deletion_protection=False,
            iam_database_authentication_enabled=False,
        ),
        aws(
            "legacy-server",
            "ec2",
            ami="ami-0c55b159cbfafe1f0",
            instance_type="t3.micro",
            monitoring=False,
            associate_public_ip_address=True,
            metadata_options={"http_tokens": "optional"},
            root_block_device={"encrypted": False},
        ),
        aws("plain-volume", "ebs", availability_zone="eu-west-1a", size=10, encrypted=False),
        aws(
            "quiet-lb",
            "load-balancer",
            subnets=["subnet-0a1b2c3d"],
            listener_protocol="HTTPS",
            access_logs={"enabled": False, "bucket": "central-logs"},
        ),
    ],
    "relations": [],
}  # fmt: skip

AZURE_GOOD = {
    "components": [
        azure(
            "shopdata",
            "storage-account",
            account_tier="Standard",
            account_replication_type="GRS",
            enable_https_traffic_only=True,
            min_tls_version=1.2,
            allow_nested_items_to_be_public=False,
            public_network_access_enabled=False,
            network_rules={"default_action": "Deny"},
        ),
        azure(
            "app-vm",
            "vm",
            size="Standard_B2s",
            admin_username="azureuser",
            disable_password_authentication=True,
            network_interface_ids=["/subscriptions/x/nic"],
            admin_ssh_key={"username": "azureuser", "public_key": "ssh-ed25519 AAAA"},
            os_disk={"caching": "ReadWrite", "storage_account_type": "Premium_LRS"},
            source_image_reference={"publisher": "Canonical", "offer": "ubuntu-24_04-lts",
                                    "sku": "server", "version": "latest"},
        ),
        azure(
            "web-nsg",
            "nsg",
            security_rule=[
                {"name": "https", "priority": 100, "direction": "Inbound", "access": "Allow",
                 "protocol": "Tcp", "source_port_range": "*", "destination_port_range": "443",
                 "source_address_prefix": "*", "destination_address_prefix": "*"},
            ],
        ),
        azure("data-disk", "managed-disk", storage_account_type="Premium_LRS",
              create_option="Empty", disk_size_gb=64,
              encryption_settings={"enabled": True}),
        azure(
            "orders-sql",
            "azurerm_mssql_server",
            version="12.0",
            administrator_login="sqladmin",
            administrator_login_password="not-rendered",
            minimum_tls_version="1.2",
            public_network_access_enabled=False,
            extended_auditing_policy={"storage_endpoint": "https://audit.blob.core.windows.net/",
                                      "retention_in_days": 90},
        ),
        azure(
            "web-app",
            "app-service",
            service_plan_id="/subscriptions/x/plan",
            https_only=True,
            site_config={"minimum_tls_version": "1.2"},
        ),
    ],
    "relations": [],
}  # fmt: skip

AZURE_BAD = {
    "components": [
        azure(
            "opendata",
            "storage-account",
            account_tier="Standard",
            account_replication_type="LRS",
            enable_https_traffic_only=False,
            min_tls_version=1.0,
            allow_nested_items_to_be_public=True,
            network_rules={"default_action": "Allow"},
        ),
        azure(
            "pw-vm",
            "vm",
            size="Standard_B2s",
            admin_username="azureuser",
            admin_password="not-rendered",
            disable_password_authentication=False,
        ),
        azure(
            "open-nsg",
            "nsg",
            security_rule=[
                {"name": "ssh", "priority": 100, "direction": "Inbound", "access": "Allow",
                 "protocol": "Tcp", "source_port_range": "*", "destination_port_range": "22",
                 "source_address_prefix": "*", "destination_address_prefix": "*"},
                {"name": "rdp", "priority": 110, "direction": "Inbound", "access": "Allow",
                 "protocol": "Tcp", "source_port_range": "*", "destination_port_range": "3389",
                 "source_address_prefix": "Internet", "destination_address_prefix": "*"},
            ],
        ),
        azure(
            "public-sql",
            "azurerm_mssql_server",
            version="12.0",
            administrator_login="sqladmin",
            public_network_access_enabled=True,
        ),
        azure("http-app", "app-service", service_plan_id="/subscriptions/x/plan",
              https_only=False, site_config={"minimum_tls_version": "1.0"}),
    ],
    "relations": [],
}  # fmt: skip

GCP_GOOD = {
    "components": [
        gcp(
            "ssh-internal",
            "firewall",
            network="default",
            ingress=[{"protocol": "tcp", "ports": ["22"], "source_ranges": ["10.0.0.0/8"]}],
        ),
        gcp(
            "catalog-db",
            "cloud-sql",
            database_version="POSTGRES_15",
            settings={
                "tier": "db-custom-2-7680",
                "backup_configuration": {"enabled": True},
                "ip_configuration": {"ipv4_enabled": False, "require_ssl": True},
            },
        ),
        gcp("media", "storage-bucket", uniform_bucket_level_access=True,
            versioning={"enabled": True}),
        gcp(
            "api-vm",
            "compute-instance",
            machine_type="e2-medium",
            zone="europe-west1-b",
            boot_disk={"initialize_params": {"image": "debian-cloud/debian-12"}},
            network_interface={"network": "default"},
            metadata={"block-project-ssh-keys": True},
            shielded_instance_config={"enable_vtpm": True, "enable_integrity_monitoring": True,
                                      "enable_secure_boot": True},
        ),
    ],
    "relations": [],
}  # fmt: skip

GCP_BAD = {
    "components": [
        gcp(
            "ssh-world",
            "firewall",
            network="default",
            ingress=[{"protocol": "tcp", "ports": ["22", "3389"], "source_ranges": ["0.0.0.0/0"]}],
        ),
        gcp(
            "open-db",
            "cloud-sql",
            database_version="POSTGRES_15",
            settings={
                "tier": "db-f1-micro",
                "backup_configuration": {"enabled": False},
                "ip_configuration": {
                    "ipv4_enabled": True,
                    "require_ssl": False,
                    "authorized_network": "0.0.0.0/0",
                },
            },
        ),
        gcp("loose", "storage-bucket", uniform_bucket_level_access=False,
            versioning={"enabled": False}),
        gcp(
            "bare-vm",
            "compute-instance",
            machine_type="e2-medium",
            zone="europe-west1-b",
            boot_disk={"initialize_params": {"image": "debian-cloud/debian-12"}},
            network_interface={"network": "default"},
            assign_public_ip=True,
            shielded_instance_config={"enable_vtpm": False},
        ),
    ],
    "relations": [],
}  # fmt: skip

CASES = {
    "aws_good": AWS_GOOD,
    "aws_bad": AWS_BAD,
    "azure_good": AZURE_GOOD,
    "azure_bad": AZURE_BAD,
    "gcp_good": GCP_GOOD,
    "gcp_bad": GCP_BAD,
}
