"""FargateService: the NestJS API as an ECS Fargate service behind the LoadBalancer (docs/requirements.md §3.1),
with its cluster, security group and logs; its task definition (components/task_definition.py), roles
(components/task_roles.py) and autoscaling (components/service_scaling.py) are units of their own whose
resources are children of this component.

Network (docs/requirements.md §5.2): the tasks' security group takes the container port from the ALB's group only
(`connect(load_balancer, service)`); egress is 443 to the internet (AWS APIs, ECR through the NAT gateways,
third-party APIs) plus what `connect(service, server)` opens towards the data stores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.container_registry import RepositoryRef
from components.load_balancer import HealthCheck, LoadBalancer, Target, TargetArgs, cidr_label
from components.security_groups import (
    Client,
    GroupRule,
    Server,
    closed_security_group,
    connect,
    egress_to_group,
    ingress_from_group,
)
from components.service_scaling import ScaledService, ServiceScaling
from components.task_definition import ContainerSecret, TaskDefinition
from components.task_roles import TaskRoles, TaskRolesArgs
from stackconfig.aws_facts import ImageRef
from stackconfig.service import DockerBuild, ServiceSettings


@dataclass(frozen=True)
class FargateServiceArgs:
    context: AwsContext
    """Account, region and the role factory (path and permissions boundary)."""
    vpc_id: pulumi.Input[str]
    """The VPC of the tasks' security group."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets; the tasks get no public IP and leave through the NAT gateways."""
    load_balancer: LoadBalancer
    """The ALB the service registers with (a target group and a path rule on its HTTPS listener)."""
    repository: RepositoryRef
    """The ECR repository the image comes from (the execution role may pull from it only)."""
    image: ImageRef | DockerBuild
    """The image to run, by tag and/or digest, or a build context `pulumi up` builds and pushes."""
    kms_key_arn: pulumi.Input[str]
    """Encrypts the log groups and ECS Exec sessions; Secrets Manager decrypts injected secrets with it."""
    cluster_name: str
    """e.g. `socialclub-production` (docs/requirements.md §3.1)."""
    family: str
    """Task-definition family, e.g. `socialclub-production-backend`."""
    log_group_name: str
    """e.g. `/aws/ecs/socialclub-production-backend`; must match a KMS key log-group prefix."""
    metrics_namespace: str
    """The only CloudWatch namespace the task may put metrics in, e.g. `SocialClub/production`."""
    environment_name: str
    """The stack's environment (`staging`, `production`): SENTRY_ENVIRONMENT."""
    service_name: str = "backend-service"
    """The ECS service's name (default `backend-service`, docs/requirements.md §3.1)."""
    container_name: str = "backend"
    """The container's name in the task definition (default `backend`)."""
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Plain, non-secret variables (NODE_ENV, PORT, SENTRY_RELEASE are set by the component); default none."""
    secrets: Mapping[str, ContainerSecret] = field(default_factory=dict)
    """Variable -> secret, injected by ECS at start; the execution role may read exactly these (default none)."""
    path_patterns: Sequence[str] = ("/api/*",)
    """Paths the ALB forwards to the service (default `/api/*`)."""
    listener_rule_priority: int = 100
    """The path rule's priority on the HTTPS listener (default 100; lower wins)."""
    health_check: HealthCheck = field(default_factory=HealthCheck)
    """The target group's health check (default: docs/requirements.md §5.3's)."""
    health_check_grace_period_seconds: int = 60
    """Seconds ECS ignores load-balancer health checks after a task starts (default 60)."""
    egress_https_cidrs: Sequence[str] = ("0.0.0.0/0",)
    """Where the tasks may open HTTPS connections (default anywhere: AWS APIs and external APIs,
    docs/requirements.md §5.2)."""
    settings: ServiceSettings = field(default_factory=ServiceSettings)
    """Size, task counts, port, autoscaling, logs, ECS Exec and `protect` (stackconfig/service.py)."""


class FargateService(pulumi.ComponentResource):
    """An ECS cluster running one load-balanced Fargate service that scales between `settings.min_tasks` and
    `settings.max_tasks`.

    A security-group `Server` (the load balancer reaches it on the container port) and `Client` (it reaches the
    data stores): see components/security_groups.py.
    """

    security_group_id: pulumi.Output[str]
    execution_role: aws.iam.Role
    task_role: aws.iam.Role
    execution_role_arn: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    service_name: pulumi.Output[str]
    service_arn: pulumi.Output[str]
    task_definition_family: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    image_uri: pulumi.Output[str]
    target_group_arn: pulumi.Output[str]
    target_group_arn_suffix: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    peer_name: str
    peer_title: str
    listen_port: int

    def __init__(self, name: str, args: FargateServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:backend:FargateService", name, None, opts)
        self._name = name
        self.peer_name = self.peer_title = name
        self.listen_port = args.settings.container_port
        target = self._network(name, args)
        logs, exec_logs = self._logs(name, args)
        cluster = self._cluster(name, args, exec_logs)
        roles = TaskRoles(
            self,
            name,
            TaskRolesArgs(
                context=args.context,
                repository_arn=args.repository.arn,
                log_group=logs,
                kms_key_arn=args.kms_key_arn,
                metrics_namespace=args.metrics_namespace,
                secret_arns=[s.arn for s in args.secrets.values()],
                exec_log_group=exec_logs,
            ),
        )
        task = TaskDefinition(self, name, args, roles, logs)
        service = self._service(name, args, cluster, task.resource, target)
        ServiceScaling(
            self,
            name,
            ScaledService(cluster.name, service.name, args.settings.min_tasks, args.settings.max_tasks),
            args.settings.scaling,
        )

        self.execution_role = roles.execution
        self.task_role = roles.task
        self.execution_role_arn = roles.execution.arn
        self.task_role_arn = roles.task.arn
        self.cluster_name = cluster.name
        self.cluster_arn = cluster.arn
        self.service_name = service.name
        self.service_arn = service.arn
        self.task_definition_family = task.resource.family
        self.task_definition_arn = task.resource.arn
        self.image_uri = task.image.uri
        self.target_group_arn = target.group.arn
        self.target_group_arn_suffix = target.group.arn_suffix
        self.log_group_name = logs.name
        self.register_outputs(
            {
                "securityGroupId": self.security_group_id,
                "clusterName": self.cluster_name,
                "clusterArn": self.cluster_arn,
                "serviceName": self.service_name,
                "serviceArn": self.service_arn,
                "taskDefinitionArn": self.task_definition_arn,
                "imageUri": self.image_uri,
                "executionRoleArn": self.execution_role_arn,
                "taskRoleArn": self.task_role_arn,
                "logGroupName": self.log_group_name,
                "targetGroupArn": self.target_group_arn,
            }
        )

    def _network(self, name: str, args: FargateServiceArgs) -> Target:
        """The tasks' group: the container port from the ALB, HTTPS out; and the ALB's target for them."""
        port = args.settings.container_port
        group = closed_security_group(
            f"{name}-sg",
            args.vpc_id,
            f"{name} tasks: {port} from the ALB only; egress by explicit rule",
            self,
        )
        self.security_group_id = group.id
        connect(args.load_balancer, self)
        for cidr in args.egress_https_cidrs:
            v6 = ":" in cidr
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-out-https-{cidr_label(cidr)}",
                security_group_id=group.id,
                description=f"HTTPS to {cidr}: AWS APIs, ECR, third-party APIs",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                cidr_ipv4=None if v6 else cidr,
                cidr_ipv6=cidr if v6 else None,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return args.load_balancer.add_target(
            name,
            TargetArgs(
                port=port,
                path_patterns=args.path_patterns,
                priority=args.listener_rule_priority,
                health_check=args.health_check,
            ),
        )

    def _logs(
        self, name: str, args: FargateServiceArgs
    ) -> tuple[aws.cloudwatch.LogGroup, aws.cloudwatch.LogGroup | None]:
        """The container log group, and the ECS Exec session log group when ECS Exec is on."""
        settings = args.settings
        kept = pulumi.ResourceOptions(parent=self, protect=settings.protect)
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.log_group_name,
            retention_in_days=settings.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=kept,
        )
        if not settings.enable_execute_command:
            return logs, None
        exec_logs = aws.cloudwatch.LogGroup(
            f"{name}-exec-logs",
            name=f"{args.log_group_name}-exec",
            retention_in_days=settings.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=kept,
        )
        return logs, exec_logs

    def _cluster(
        self, name: str, args: FargateServiceArgs, exec_logs: aws.cloudwatch.LogGroup | None
    ) -> aws.ecs.Cluster:
        """The cluster; with ECS Exec, its sessions are encrypted with the stack key and logged."""
        return aws.ecs.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value=args.settings.container_insights)],
            configuration=aws.ecs.ClusterConfigurationArgs(
                execute_command_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationArgs(
                    kms_key_id=args.kms_key_arn,
                    logging="OVERRIDE",
                    log_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs(
                        cloud_watch_log_group_name=exec_logs.name, cloud_watch_encryption_enabled=True
                    ),
                )
            )
            if exec_logs is not None
            else None,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _service(
        self,
        name: str,
        args: FargateServiceArgs,
        cluster: aws.ecs.Cluster,
        task_definition: aws.ecs.TaskDefinition,
        target: Target,
    ) -> aws.ecs.Service:
        """The service: rolling deployments with a circuit breaker, registered in the ALB's target group."""
        return aws.ecs.Service(
            f"{name}-service",
            name=args.service_name,
            cluster=cluster.arn,
            task_definition=task_definition.arn,
            launch_type="FARGATE",
            platform_version="LATEST",
            desired_count=args.settings.min_tasks,
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=list(args.subnet_ids), security_groups=[self.security_group_id], assign_public_ip=False
            ),
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=target.group.arn,
                    container_name=args.container_name,
                    container_port=args.settings.container_port,
                )
            ],
            health_check_grace_period_seconds=args.settings.health_check_grace_period_seconds,
            # Rolling update without downtime: new tasks start (up to 200%) before old ones stop (never < 100%).
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            availability_zone_rebalancing="ENABLED",
            enable_execute_command=args.settings.enable_execute_command,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            # `pulumi up` fails when the tasks never become healthy instead of returning while ECS gives up. A
            # deployment the circuit breaker rolled back also ends "steady" (one deployment, running = desired:
            # the provider's waitServiceStable, internal/service/ecs/service.go), so the deploy workflow checks
            # that the running revision is this one.
            wait_for_steady_state=True,
            opts=pulumi.ResourceOptions(
                parent=self,
                # Autoscaling owns the running count; without this every `pulumi up` would reset it to the
                # minimum, dropping capacity in the middle of a traffic peak.
                ignore_changes=["desired_count"],
                # ECS refuses a target group that no listener uses yet.
                depends_on=[target.rule],
            ),
        )

    def ingress_rule(self, client: Client) -> aws.vpc.SecurityGroupIngressRule:
        """`Server` half: the container port from the client's group (the load balancer's)."""
        port = self.listen_port
        rule = GroupRule(f"{self._name}-in-{client.peer_name}", port, f"{port} from {client.peer_title}")
        return ingress_from_group(rule, self.security_group_id, client.security_group_id, self)

    def egress_rule(self, server: Server) -> aws.vpc.SecurityGroupEgressRule:
        """`Client` half: TCP to the server's port on members of its group (the database's, the cache's)."""
        port = server.listen_port
        rule = GroupRule(f"{self._name}-out-{server.peer_name}", port, f"{port} to {server.peer_name}")
        return egress_to_group(rule, self.security_group_id, server.security_group_id, self)
