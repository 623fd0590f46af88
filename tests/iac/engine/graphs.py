"""Representative blueprint graphs for the IaC engine tests: compute, network, storage, a
database with a password, tags and dependencies, per provider."""

TAGS = {"owner": "platform-team", "cost_center": "cc-1234", "Project": "Shop Front"}

AWS_GRAPH = {
    "components": [
        {
            "name": "main-vpc",
            "type": "vpc",
            "provider": "aws",
            "region": "us-east-1",
            "properties": {"cidr_block": "10.0.0.0/16", "enable_dns_hostnames": True},
            "tags": TAGS,
            "depends_on": [],
        },
        {
            "name": "web-server",
            "type": "ec2",
            "provider": "aws",
            "region": "us-east-1",
            "properties": {
                "ami": "ami-0c55b159cbfafe1f0",
                "instance_type": "t3.medium",
                "count": 2,
                "monitoring": True,
                "metadata_options": {"http_endpoint": "enabled", "http_tokens": "required"},
                "root_block_device": {"encrypted": True, "volume_size": 20},
                "user_data": '#!/bin/sh\necho "ready: ${HOSTNAME}" > /tmp/ready\n',
                "monitoring_enabled": True,
            },
            "tags": {**TAGS, "Name": "web"},
            "depends_on": ["main-vpc"],
        },
        {
            "name": "app-db",
            "type": "rds",
            "provider": "aws",
            "region": "us-east-1",
            "properties": {
                "engine": "postgres",
                "engine_version": "15.4",
                "instance_class": "db.t3.medium",
                "storage_gb": 100,
                "encrypted": True,
                "username": "app",
                "password": 's3cr3t-"quoted"',
                "multi_az": True,
                "publicly_accessible": False,
                "backup_retention_period": 7,
                "deletion_protection": True,
                "iam_database_authentication_enabled": True,
            },
            "tags": TAGS,
            "depends_on": [],
        },
        {
            "name": "assets-bucket",
            "type": "s3",
            "provider": "aws",
            "region": "us-east-1",
            "properties": {
                "server_side_encryption": "aws:kms",
                "acl": "private",
                "versioning": {"enabled": True},
                "logging": {"target_bucket": "shop-logs", "target_prefix": "assets/"},
                "block_public_acls": True,
                "block_public_policy": True,
                "storage_gb": 50,
            },
            "tags": TAGS,
            "depends_on": [],
        },
        {
            "name": "web-sg",
            "type": "security-group",
            "provider": "aws",
            "region": "us-east-1",
            "properties": {
                "description": "Web tier",
                "ingress": [
                    {
                        "description": "HTTPS",
                        "from_port": 443,
                        "to_port": 443,
                        "protocol": "tcp",
                        "cidr_blocks": ["0.0.0.0/0"],
                    }
                ],
            },
            "tags": TAGS,
            "depends_on": ["main-vpc"],
        },
    ],
    "relations": [
        {"from": "app-db", "to": "main-vpc", "type": "depends_on"},
        {"from": "web-server", "to": "app-db", "type": "connects_to"},
        {"from": "web-server", "to": "web-sg", "type": "depends_on"},
    ],
}

AZURE_GRAPH = {
    "components": [
        {
            "name": "core-vnet",
            "type": "vnet",
            "provider": "azure",
            "region": "westeurope",
            "properties": {"address_space": ["10.10.0.0/16"]},
            "tags": TAGS,
            "depends_on": [],
        },
        {
            "name": "app-vm",
            "type": "vm",
            "provider": "azure",
            "region": "westeurope",
            "properties": {
                "size": "Standard_B2s",
                "admin_username": "azureuser",
                "admin_password": "P@ssw0rd-123",
                "disable_password_authentication": False,
                "os_disk": {"caching": "ReadWrite", "storage_account_type": "Premium_LRS"},
            },
            "tags": TAGS,
            "depends_on": ["core-vnet"],
        },
        {
            "name": "shopdata",
            "type": "storage-account",
            "provider": "azure",
            "region": "westeurope",
            "properties": {
                "account_tier": "Standard",
                "account_replication_type": "GRS",
                "enable_https_traffic_only": True,
                "min_tls_version": 1.2,
                "allow_nested_items_to_be_public": False,
                "network_rules": {"default_action": "Deny", "bypass": ["AzureServices"]},
            },
            "tags": TAGS,
            "depends_on": [],
        },
        {
            "name": "orders-db",
            "type": "database",
            "provider": "azure",
            "region": "westeurope",
            "properties": {
                "version": "15",
                "sku_name": "GP_Standard_D2s_v3",
                "storage_mb": 65536,
                "administrator_login": "dbadmin",
                "administrator_password": "Sup3r$ecret",
                "backup_retention_days": 14,
            },
            "tags": {**TAGS, "data_classification": "pii"},
            "depends_on": ["core-vnet"],
        },
    ],
    "relations": [{"from": "app-vm", "to": "orders-db", "type": "depends_on"}],
}

GCP_GRAPH = {
    "components": [
        {
            "name": "shop-net",
            "type": "vpc",
            "provider": "gcp",
            "region": "europe-west1",
            "properties": {"auto_create_subnetworks": False},
            "tags": TAGS,
            "depends_on": [],
        },
        {
            "name": "api-vm",
            "type": "compute-instance",
            "provider": "gcp",
            "region": "europe-west1",
            "properties": {
                "machine_type": "e2-medium",
                "zone": "europe-west1-b",
                "boot_disk": {"initialize_params": {"image": "debian-cloud/debian-12"}},
                "network_interface": {"network": "shop-net"},
                "metadata": {"block-project-ssh-keys": True},
                "shielded_instance_config": {
                    "enable_vtpm": True,
                    "enable_integrity_monitoring": True,
                },
            },
            "tags": {**TAGS, "Team Name": "Checkout & Payments"},
            "depends_on": ["shop-net"],
        },
        {
            "name": "media",
            "type": "storage-bucket",
            "provider": "gcp",
            "region": "europe-west1",
            "properties": {
                "storage_class": "STANDARD",
                "uniform_bucket_level_access": True,
                "versioning": {"enabled": True},
            },
            "tags": TAGS,
            "depends_on": [],
        },
        {
            "name": "catalog-db",
            "type": "cloud-sql",
            "provider": "gcp",
            "region": "europe-west1",
            "properties": {
                "database_version": "POSTGRES_15",
                "deletion_protection": True,
                "root_password": "r00t-pw",
                "settings": {
                    "tier": "db-custom-2-7680",
                    "backup_configuration": {"enabled": True},
                    "ip_configuration": {"ipv4_enabled": False, "require_ssl": True},
                },
            },
            "tags": TAGS,
            "depends_on": ["shop-net"],
        },
    ],
    "relations": [{"from": "api-vm", "to": "catalog-db", "type": "depends_on"}],
}
