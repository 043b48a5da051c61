"""Step scaling of an ECS service on CPU and memory (docs/requirements.md §3.1), as children of the component
that runs the service.

- Scale out: one alarm on `IF(cpu > 70 OR memory > 75, 1, 0) >= 1` -> +1 task. OR is one alarm, so either
  metric alone adds capacity, and one policy means one cooldown across both metrics.
- Scale in: one alarm on `IF(cpu < 30 AND memory < 50, 1, 0) >= 1` -> -1 task. Target tracking cannot express
  this AND (each target-tracking policy scales in on its own metric); the expression can.
- Both policies use ChangeInCapacity with a step whose lower bound is 0 relative to the alarm threshold (the
  expression is 1 when the condition holds), and the cooldown.
- CPU and memory are the service's `AWS/ECS` CPUUtilization and MemoryUtilization averages per period; the
  scalable target keeps the count between the minimum and the maximum whatever the alarms say.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from stackconfig.service import ScalingSettings

PERIOD_SECONDS = 60
"""The alarms' period: the settings count one-minute periods (scaleOutMinutes, scaleInMinutes)."""


def scale_out_expression(p: ScalingSettings) -> str:
    """1 while CPU or memory is above its scale-out threshold, else 0."""
    return f"IF(cpu > {p.scale_out_cpu_percent:g} OR memory > {p.scale_out_memory_percent:g}, 1, 0)"


def scale_in_expression(p: ScalingSettings) -> str:
    """1 only while CPU and memory are both below their scale-in thresholds, else 0."""
    return f"IF(cpu < {p.scale_in_cpu_percent:g} AND memory < {p.scale_in_memory_percent:g}, 1, 0)"


@dataclass(frozen=True)
class ScaledService:
    """The service to scale and its bounds."""

    cluster_name: pulumi.Output[str]
    """The ECS cluster's name (a dimension of the metrics and part of the scalable target's id)."""
    service_name: pulumi.Output[str]
    """The ECS service's name."""
    min_tasks: int
    """The fewest tasks scaling in may leave."""
    max_tasks: int
    """The most tasks scaling out may start."""


class ServiceScaling:
    """The scalable target, and one step policy with its metric-math alarm per direction."""

    target: aws.appautoscaling.Target

    def __init__(self, owner: pulumi.Resource, name: str, service: ScaledService, policy: ScalingSettings) -> None:
        self._owner = owner
        self._name = name
        self._service = service
        self._policy = policy
        self.target = aws.appautoscaling.Target(
            f"{name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", service.cluster_name, "/", service.service_name),
            min_capacity=service.min_tasks,
            max_capacity=service.max_tasks,
            opts=pulumi.ResourceOptions(parent=owner),
        )
        self._direction("out", 1, scale_out_expression(policy), policy.scale_out_minutes)
        self._direction("in", -1, scale_in_expression(policy), policy.scale_in_minutes)

    def _direction(self, direction: str, adjustment: int, expression: str, periods: int) -> None:
        child = pulumi.ResourceOptions(parent=self._owner)
        name, p = self._name, self._policy
        policy = aws.appautoscaling.Policy(
            f"{name}-scale-{direction}",
            policy_type="StepScaling",
            service_namespace=self.target.service_namespace,
            scalable_dimension=self.target.scalable_dimension,
            resource_id=self.target.resource_id,
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
                self._metric("cpu", "CPUUtilization"),
                self._metric("memory", "MemoryUtilization"),
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="decision", expression=expression, label=f"scale {direction}", return_data=True
                ),
            ],
            alarm_actions=[policy.arn],
            opts=child,
        )

    def _metric(self, query_id: str, metric_name: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace="AWS/ECS",
                metric_name=metric_name,
                dimensions={"ClusterName": self._service.cluster_name, "ServiceName": self._service.service_name},
                period=PERIOD_SECONDS,
                stat="Average",
            ),
            return_data=False,
        )
