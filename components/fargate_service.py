"""FargateService: the NestJS API as an ECS Fargate service behind the LoadBalancer, with its cluster, task
definition, roles, security group, logs and autoscaling.

Network: the tasks' security group takes 3001 from the ALB's group only; egress is 443 to the internet (AWS APIs,
ECR through the NAT gateways, third-party APIs) plus what `allow_egress_to` opens towards other groups.

Image requirements the task definition relies on (document them in the backend's Dockerfile):
- the process runs as uid/gid 1000 and listens on the container port (3001, above 1023: no capability needed);
- the root filesystem is read-only; `/tmp` is a task volume, which Fargate creates root-owned 0755 unless the
  image declares `VOLUME ["/tmp"]` over a 1777 `/tmp` (Fargate then copies the image's permissions);
- the container health check runs `node -e ...` (node is in any NestJS image; curl and wget often are not).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from components.aws_context import AwsContext
from components.container_registry import ImageRef, RepositoryRef
from components.iam_documents import Statement, document, read_secrets_statements, statement
from components.load_balancer import HealthCheck, LoadBalancer, TargetArgs, cidr_label
from components.security_groups import allow_tcp_from_group, allow_tcp_to_group, closed_security_group

CpuArchitecture = Literal["X86_64", "ARM64"]
DOCKER_PLATFORM: dict[str, str] = {"X86_64": "linux/amd64", "ARM64": "linux/arm64"}

# The actions ECS Exec's SSM agent uses; Session Manager offers no resource-level permission for them.
EXEC_ACTIONS: tuple[str, ...] = (
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
)
# The SSM agent writes its state and logs there; with a read-only root filesystem they must be task volumes
# (the workaround AWS documents in aws/containers-roadmap#1359 until ECS Exec supports read-only roots).
EXEC_WRITABLE_PATHS: dict[str, str] = {"exec-lib": "/var/lib/amazon", "exec-log": "/var/log/amazon"}

HEALTH_SCRIPT = (
    "require('http').get('http://127.0.0.1:{port}{path}',"
    "r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
)


@dataclass(frozen=True)
class DockerBuild:
    """Build the image during `pulumi up` (awsx.ecr.Image) instead of naming one CI pushed."""

    context: str
    dockerfile: str | None = None


@dataclass(frozen=True)
class ContainerSecret:
    """An ECS secret: a Secrets Manager ARN, optionally one JSON key of it (e.g. `password` of the RDS secret)."""

    arn: pulumi.Input[str]
    json_key: str | None = None

    def value_from(self) -> pulumi.Output[str]:
        return pulumi.Output.from_input(self.arn).apply(lambda arn: secret_value_from(arn, self.json_key))


def secret_value_from(arn: str, json_key: str | None) -> str:
    """ECS `valueFrom`: `<arn>:<json-key>:<version-stage>:<version-id>`, empty stage and id meaning AWSCURRENT."""
    return f"{arn}:{json_key}::" if json_key else arn


@dataclass(frozen=True)
class ScalingPolicy:
    """When to add and remove tasks; the defaults are the seed's numbers."""

    scale_out_cpu_percent: float = 70
    scale_out_memory_percent: float = 75
    scale_in_cpu_percent: float = 30
    scale_in_memory_percent: float = 50
    cooldown_seconds: int = 300
    scale_out_periods: int = 3
    """Consecutive periods the scale-out condition must hold."""
    scale_in_periods: int = 15
    """Consecutive periods the scale-in condition must hold (longer: removing capacity is the riskier move)."""
    period_seconds: int = 60


def scale_out_expression(p: ScalingPolicy) -> str:
    """1 while CPU or memory is above its scale-out threshold, else 0."""
    return f"IF(cpu > {p.scale_out_cpu_percent:g} OR memory > {p.scale_out_memory_percent:g}, 1, 0)"


def scale_in_expression(p: ScalingPolicy) -> str:
    """1 only while CPU and memory are both below their scale-in thresholds, else 0."""
    return f"IF(cpu < {p.scale_in_cpu_percent:g} AND memory < {p.scale_in_memory_percent:g}, 1, 0)"


@dataclass(frozen=True)
class ContainerSpec:
    """Everything the container definition holds, resolved to plain values."""

    name: str
    image: str
    port: int
    log_group: str
    region: str
    environment: Mapping[str, str]
    secrets: Mapping[str, str]
    """Variable name -> ECS `valueFrom`."""
    writable_paths: Mapping[str, str]
    """Task volume name -> mount path: the only writable places in the container."""
    user: str = "1000:1000"
    health_check_path: str = "/api/health"
    health_check_start_seconds: int = 60


def container_definitions(spec: ContainerSpec) -> list[dict[str, Any]]:
    """The task's single container: read-only root, non-root, no capabilities, secrets only as ECS secrets."""
    clash = sorted(set(spec.environment) & set(spec.secrets))
    if clash:
        raise ValueError(f"{clash} given both as plain environment and as secrets")
    return [
        {
            "name": spec.name,
            "image": spec.image,
            "essential": True,
            "user": spec.user,
            "readonlyRootFilesystem": True,
            "privileged": False,
            "portMappings": [{"containerPort": spec.port, "hostPort": spec.port, "protocol": "tcp"}],
            "environment": [{"name": k, "value": v} for k, v in sorted(spec.environment.items())],
            "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(spec.secrets.items())],
            "mountPoints": [
                {"sourceVolume": volume, "containerPath": path, "readOnly": False}
                for volume, path in sorted(spec.writable_paths.items())
            ],
            # An init process reaps zombies (node child processes, the ECS Exec agent's sessions).
            "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": spec.log_group,
                    "awslogs-region": spec.region,
                    "awslogs-stream-prefix": spec.name,
                    # A slow CloudWatch Logs must not block the event loop; the buffer absorbs bursts.
                    "mode": "non-blocking",
                    "max-buffer-size": "25m",
                },
            },
            "healthCheck": {
                "command": [
                    "CMD",
                    "node",
                    "-e",
                    HEALTH_SCRIPT.format(port=spec.port, path=spec.health_check_path),
                ],
                "interval": 30,
                "timeout": 5,
                "retries": 3,
                "startPeriod": spec.health_check_start_seconds,
            },
        }
    ]


def task_trust(context: AwsContext) -> pulumi.Output[str]:
    """ECS tasks of this account and region only (confused deputy): aws:SourceAccount and aws:SourceArn."""
    return context.account_id.apply(
        lambda account: document(
            statement(
                ["sts:AssumeRole"],
                principal={"Service": "ecs-tasks.amazonaws.com"},
                conditions={
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": f"arn:{context.partition}:ecs:{context.region}:{account}:*"},
                },
            )
        )
    )


@dataclass(frozen=True)
class FargateServiceArgs:
    context: AwsContext
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets; the tasks get no public IP and leave through the NAT gateways."""
    load_balancer: LoadBalancer
    repository: RepositoryRef
    image: ImageRef | DockerBuild
    kms_key_arn: pulumi.Input[str]
    """Encrypts the log groups and ECS Exec sessions; Secrets Manager decrypts injected secrets with it."""
    cluster_name: str
    """e.g. `socialclub-production` (the seed's cluster name)."""
    family: str
    """Task-definition family, e.g. `socialclub-production-backend`."""
    log_group_name: str
    """e.g. `/aws/ecs/socialclub-production-backend`; must match a KMS key log-group prefix."""
    metrics_namespace: str
    """The only CloudWatch namespace the task may put metrics in, e.g. `SocialClub/production`."""
    service_name: str = "backend-service"
    container_name: str = "backend"
    container_port: int = 3001
    cpu: int = 512
    memory: int = 1024
    cpu_architecture: CpuArchitecture = "X86_64"
    min_tasks: int = 2
    max_tasks: int = 5
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Plain, non-secret variables (NODE_ENV, PORT, SENTRY_RELEASE are set by the component)."""
    secrets: Mapping[str, ContainerSecret] = field(default_factory=dict)
    """Variable -> secret, injected by ECS at start; the execution role may read exactly these."""
    environment_name: str = "production"
    """SENTRY_ENVIRONMENT."""
    path_patterns: Sequence[str] = ("/api/*",)
    listener_rule_priority: int = 100
    health_check: HealthCheck = field(default_factory=HealthCheck)
    health_check_grace_period_seconds: int = 60
    egress_https_cidrs: Sequence[str] = ("0.0.0.0/0",)
    """Where the tasks may open HTTPS connections (seed: AWS APIs and external APIs, i.e. the internet)."""
    scaling: ScalingPolicy = field(default_factory=ScalingPolicy)
    container_insights: Literal["enabled", "enhanced"] = "enhanced"
    log_retention_days: int = 30
    enable_execute_command: bool = False
    """ECS Exec; adds the SSM channel permissions, an encrypted session log group and the agent's volumes."""
    protect: bool = True
    """Pulumi `protect` on the log group (production)."""


class FargateService(pulumi.ComponentResource):
    """An ECS cluster running one load-balanced Fargate service that scales between `min_tasks` and `max_tasks`."""

    security_group_id: pulumi.Output[str]
    alb_security_group_id: pulumi.Output[str]
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
    repository_arn: pulumi.Output[str]
    repository_url: pulumi.Output[str]
    load_balancer_arn: pulumi.Output[str]
    load_balancer_arn_suffix: pulumi.Output[str]
    load_balancer_dns_name: pulumi.Output[str]
    load_balancer_zone_id: pulumi.Output[str]
    target_group_arn: pulumi.Output[str]
    target_group_arn_suffix: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    metrics_namespace: str
    min_tasks: int
    max_tasks: int
    cpu: int
    memory: int
    cpu_architecture: CpuArchitecture

    def __init__(self, name: str, args: FargateServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:backend:FargateService", name, None, opts)
        if not 1 <= args.min_tasks <= args.max_tasks:
            raise ValueError(f"FargateService {name}: need 1 <= min_tasks ({args.min_tasks}) <= max_tasks")
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        ctx = args.context
        lb = args.load_balancer

        group = closed_security_group(
            f"{name}-sg",
            args.vpc_id,
            f"{name} tasks: {args.container_port} from the ALB only; egress by explicit rule",
            self,
        )
        self._group_id = group.id
        allow_tcp_from_group(
            f"{name}-in-alb",
            group.id,
            source_group_id=lb.security_group_id,
            port=args.container_port,
            description=f"{args.container_port} from the load balancer",
            parent=self,
        )
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
                opts=child,
            )
        target = lb.add_target(
            name,
            TargetArgs(
                port=args.container_port,
                path_patterns=args.path_patterns,
                priority=args.listener_rule_priority,
                security_group_id=group.id,
                health_check=args.health_check,
            ),
        )

        kept = pulumi.ResourceOptions(parent=self, protect=args.protect)
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.log_group_name,
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=kept,
        )
        exec_logs = (
            aws.cloudwatch.LogGroup(
                f"{name}-exec-logs",
                name=f"{args.log_group_name}-exec",
                retention_in_days=args.log_retention_days,
                kms_key_id=args.kms_key_arn,
                opts=kept,
            )
            if args.enable_execute_command
            else None
        )

        cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value=args.container_insights)],
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
            opts=child,
        )

        image_uri, release = self._image(name, args)
        execution_role, task_role = self._roles(name, args, logs, exec_logs)

        writable = {"tmp": "/tmp", **(EXEC_WRITABLE_PATHS if args.enable_execute_command else {})}
        secret_values = {env: s.value_from() for env, s in args.secrets.items()}
        environment: dict[str, pulumi.Input[str]] = {
            "NODE_ENV": "production",
            "PORT": str(args.container_port),
            "SENTRY_ENVIRONMENT": args.environment_name,
            "SENTRY_RELEASE": release,
            "METRICS_NAMESPACE": args.metrics_namespace,
            **args.environment,
        }
        definitions = pulumi.Output.all(
            image=image_uri,
            log_group=logs.name,
            environment=pulumi.Output.all(**environment),
            secrets=pulumi.Output.all(**secret_values),
        ).apply(
            lambda v: json.dumps(
                container_definitions(
                    ContainerSpec(
                        name=args.container_name,
                        image=v["image"],
                        port=args.container_port,
                        log_group=v["log_group"],
                        region=ctx.region,
                        environment=v["environment"],
                        secrets=v["secrets"],
                        writable_paths=writable,
                        health_check_path=args.health_check.path,
                        health_check_start_seconds=args.health_check_grace_period_seconds,
                    )
                )
            )
        )
        task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=args.family,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(args.cpu),
            memory=str(args.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture=args.cpu_architecture
            ),
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=volume) for volume in sorted(writable)],
            container_definitions=definitions,
            # Old revisions stay ACTIVE so a rollback (circuit breaker or a person) can still start them.
            skip_destroy=True,
            opts=child,
        )

        service = aws.ecs.Service(
            f"{name}-service",
            name=args.service_name,
            cluster=cluster.arn,
            task_definition=task_definition.arn,
            launch_type="FARGATE",
            platform_version="LATEST",
            desired_count=args.min_tasks,
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=list(args.subnet_ids), security_groups=[group.id], assign_public_ip=False
            ),
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=target.group.arn,
                    container_name=args.container_name,
                    container_port=args.container_port,
                )
            ],
            health_check_grace_period_seconds=args.health_check_grace_period_seconds,
            # Rolling update without downtime: new tasks start (up to 200%) before old ones stop (never < 100%).
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            availability_zone_rebalancing="ENABLED",
            enable_execute_command=args.enable_execute_command,
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
        self._autoscaling(name, args, cluster.name, service.name)

        self.security_group_id = group.id
        self.alb_security_group_id = lb.security_group_id
        self.execution_role = execution_role
        self.task_role = task_role
        self.execution_role_arn = execution_role.arn
        self.task_role_arn = task_role.arn
        self.cluster_name = cluster.name
        self.cluster_arn = cluster.arn
        self.service_name = service.name
        self.service_arn = service.arn
        self.task_definition_family = task_definition.family
        self.task_definition_arn = task_definition.arn
        self.image_uri = image_uri
        self.repository_arn = args.repository.arn
        self.repository_url = args.repository.url
        self.load_balancer_arn = lb.arn
        self.load_balancer_arn_suffix = lb.arn_suffix
        self.load_balancer_dns_name = lb.dns_name
        self.load_balancer_zone_id = lb.zone_id
        self.target_group_arn = target.group.arn
        self.target_group_arn_suffix = target.group.arn_suffix
        self.log_group_name = logs.name
        self.metrics_namespace = args.metrics_namespace
        self.min_tasks = args.min_tasks
        self.max_tasks = args.max_tasks
        self.cpu = args.cpu
        self.memory = args.memory
        self.cpu_architecture = args.cpu_architecture
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

    def _image(self, name: str, args: FargateServiceArgs) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """The image URI the task runs, and the release name Sentry reports."""
        if isinstance(args.image, DockerBuild):
            built = awsx.ecr.Image(
                f"{name}-image",
                repository_url=args.repository.url,
                context=args.image.context,
                dockerfile=args.image.dockerfile,
                platform=DOCKER_PLATFORM[args.cpu_architecture],
                opts=pulumi.ResourceOptions(parent=self),
            )
            # awsx returns the pushed image by digest (`<repo>@sha256:...`).
            return built.image_uri, built.image_uri.apply(lambda uri: uri.rpartition("@")[2])
        ref = args.image
        return args.repository.url.apply(ref.uri), pulumi.Output.from_input(ref.release)

    def _roles(
        self,
        name: str,
        args: FargateServiceArgs,
        logs: aws.cloudwatch.LogGroup,
        exec_logs: aws.cloudwatch.LogGroup | None,
    ) -> tuple[aws.iam.Role, aws.iam.Role]:
        child = pulumi.ResourceOptions(parent=self)
        ctx = args.context
        trust = task_trust(ctx)

        execution = ctx.role(
            f"{name}-execution",
            description=f"{name}: ECS pulls the image, writes logs and injects the task's secrets",
            assume_role_policy=trust,
            opts=child,
        )
        statements: list[Statement] = [
            # GetAuthorizationToken has no resource-level permission; the pull itself is scoped to one repository.
            statement(["ecr:GetAuthorizationToken"], ["*"], sid="EcrLogin"),
            statement(
                ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                [args.repository.arn],
                sid="PullFromOwnRepository",
            ),
            statement(
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                [pulumi.Output.concat(logs.arn, ":log-stream:*")],
                sid="WriteOwnLogGroup",
            ),
        ]
        if args.secrets:
            arns = [s.arn for s in args.secrets.values()]
            statements += read_secrets_statements(arns, args.kms_key_arn, ctx.region)
        aws.iam.RolePolicy(f"{name}-execution", role=execution.id, policy=document(*statements), opts=child)

        task = ctx.role(
            f"{name}-task",
            description=f"{name}: what the API itself may call",
            assume_role_policy=trust,
            opts=child,
        )
        task_statements: list[Statement] = [
            statement(
                ["cloudwatch:PutMetricData"],
                ["*"],
                sid="PutOwnMetrics",
                conditions={"StringEquals": {"cloudwatch:namespace": args.metrics_namespace}},
            )
        ]
        if exec_logs is not None:
            task_statements += [
                statement(list(EXEC_ACTIONS), ["*"], sid="ExecSessionChannels"),
                statement(["kms:Decrypt"], [args.kms_key_arn], sid="ExecSessionEncryption"),
                statement(
                    ["logs:DescribeLogGroups"],
                    [ctx.arn("logs", "log-group:*")],
                    sid="ExecFindsLogGroup",
                ),
                statement(
                    ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                    [exec_logs.arn, pulumi.Output.concat(exec_logs.arn, ":log-stream:*")],
                    sid="ExecWritesSessionLog",
                ),
            ]
        aws.iam.RolePolicy(f"{name}-task", role=task.id, policy=document(*task_statements), opts=child)
        return execution, task

    def _autoscaling(
        self, name: str, args: FargateServiceArgs, cluster: pulumi.Output[str], service: pulumi.Output[str]
    ) -> None:
        """Step scaling driven by two metric-math alarms, which realise the seed's rules exactly.

        - Scale out: one alarm on `IF(cpu > 70 OR memory > 75, 1, 0) >= 1` -> +1 task. OR is one alarm, so either
          metric alone adds capacity, and one policy means one 300 s cooldown across both metrics.
        - Scale in: one alarm on `IF(cpu < 30 AND memory < 50, 1, 0) >= 1` -> -1 task. Target tracking cannot
          express this AND (each target-tracking policy scales in on its own metric); the expression can.
        - Both policies use ChangeInCapacity with a step whose lower bound is 0 relative to the alarm threshold
          (the expression is 1 when the condition holds), and a 300 s cooldown.
        - CPU and memory are the service's `AWS/ECS` CPUUtilization and MemoryUtilization averages per period;
          the target keeps the count between min_tasks and max_tasks whatever the alarms say.
        """
        child = pulumi.ResourceOptions(parent=self)
        p = args.scaling
        target = aws.appautoscaling.Target(
            f"{name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", cluster, "/", service),
            min_capacity=args.min_tasks,
            max_capacity=args.max_tasks,
            opts=child,
        )
        dimensions = {"ClusterName": cluster, "ServiceName": service}

        def metric(query_id: str, metric_name: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
            return aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=query_id,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace="AWS/ECS",
                    metric_name=metric_name,
                    dimensions=dimensions,
                    period=p.period_seconds,
                    stat="Average",
                ),
                return_data=False,
            )

        for direction, adjustment, expression, periods in (
            ("out", 1, scale_out_expression(p), p.scale_out_periods),
            ("in", -1, scale_in_expression(p), p.scale_in_periods),
        ):
            policy = aws.appautoscaling.Policy(
                f"{name}-scale-{direction}",
                policy_type="StepScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                step_scaling_policy_configuration=aws.appautoscaling.PolicyStepScalingPolicyConfigurationArgs(
                    adjustment_type="ChangeInCapacity",
                    cooldown=p.cooldown_seconds,
                    metric_aggregation_type="Maximum",
                    step_adjustments=[
                        aws.appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs(
                            metric_interval_lower_bound="0", scaling_adjustment=adjustment
                        )
                    ],
                ),
                opts=child,
            )
            aws.cloudwatch.MetricAlarm(
                f"{name}-scale-{direction}",
                alarm_description=f"{name}: scale {direction} when {expression} holds for {periods} periods",
                comparison_operator="GreaterThanOrEqualToThreshold",
                threshold=1,
                evaluation_periods=periods,
                datapoints_to_alarm=periods,
                # No data (a service being created) must never scale in or out.
                treat_missing_data="notBreaching",
                metric_queries=[
                    metric("cpu", "CPUUtilization"),
                    metric("memory", "MemoryUtilization"),
                    aws.cloudwatch.MetricAlarmMetricQueryArgs(
                        id="decision", expression=expression, label=f"scale {direction}", return_data=True
                    ),
                ],
                alarm_actions=[policy.arn],
                opts=child,
            )

    def allow_egress_to(
        self, security_group_id: pulumi.Input[str], port: int, label: str
    ) -> aws.vpc.SecurityGroupEgressRule:
        """Let the tasks open TCP connections to `port` of members of another security group (the database's,
        the cache's). The other side opens its ingress with its own verb (`allow_from`)."""
        return allow_tcp_to_group(
            f"{self._name}-out-{label}",
            self._group_id,
            destination_group_id=security_group_id,
            port=port,
            description=f"{port} to {label}",
            parent=self,
        )
