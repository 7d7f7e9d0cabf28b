using System.Text;
using k8s.Models;
using NJsonSchema;

namespace LiquidMetal.Cli.Tests.Helm;

/// <summary>
/// helm/liquidmetal rendered by tests/helm-render (helm's engine: Go text/template, sprig, helm's include, tpl,
/// required, toYaml, fromYaml) and every document parsed strictly into KubernetesClient's models; the values checked
/// against values.schema.json with NJsonSchema, as helm checks them.
/// </summary>
public sealed class HelmChartTests
{
    /// <summary>What an install must give: the chart's defaults cover the rest.</summary>
    private const string Required = """
        fleet:
          repo: https://git.example/fleet.git
        webhook:
          secret: not-a-real-secret
        """;

    private static readonly string[] StandardLabels =
        ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by", "app.kubernetes.io/component", "helm.sh/chart"];

    [HelmRenderFact]
    public async Task Render_DefaultValues_TwoLeaderElectedReplicasRestrictedProbedAndLabelled()
    {
        var chart = await RenderAsync(Required);

        Assert.Equal(
            ["Deployment", "PodDisruptionBudget", "Role", "RoleBinding", "Secret", "Service", "ServiceAccount"],
            chart.Objects.Select(o => o.Kind).Order(StringComparer.Ordinal));
        var deployment = chart.Deployment;
        Assert.Equal(2, deployment.Spec.Replicas);
        Assert.Equal("ghcr.io/liquidmetal-dev/liquidmetal:" + AppVersion(), chart.Reconciler.Image);
        Assert.Equal(["reconcile", "--repo=https://git.example/fleet.git", "--branch=main", "--status-branch=liquidmetal/status"], chart.Args.Take(4));
        Assert.Contains("--leader-elect", chart.Args);
        Assert.Contains("--leader-election-lease=lm-liquidmetal", chart.Args);
        Assert.Contains("--leader-election-identity=$(POD_NAME)", chart.Args);
        Assert.Contains("--leader-election-namespace=$(POD_NAMESPACE)", chart.Args);
        Assert.Contains("--listen=0.0.0.0:8080", chart.Args);
        Assert.Contains("--mirror=/var/lib/liquidmetal/mirror", chart.Args);
        Assert.Contains("--webhook-secret-file=/etc/liquidmetal/webhook/secret", chart.Args);
        Assert.Contains("--control-plane-settle=30", chart.Args);
        Assert.DoesNotContain(chart.Args, a => a.StartsWith("--git-", StringComparison.Ordinal) || a.StartsWith("--agent-", StringComparison.Ordinal) || a.StartsWith("--age-", StringComparison.Ordinal));
        Assert.Equal("metadata.name", chart.Reconciler.Env.Single(e => e.Name == "POD_NAME").ValueFrom.FieldRef.FieldPath);

        // Probes: live on /healthz, ready on /readyz, on the port the Service sends to.
        Assert.Equal(("/healthz", "http"), (chart.Reconciler.LivenessProbe.HttpGet.Path, chart.Reconciler.LivenessProbe.HttpGet.Port.Value));
        Assert.Equal(("/readyz", "http"), (chart.Reconciler.ReadinessProbe.HttpGet.Path, chart.Reconciler.ReadinessProbe.HttpGet.Port.Value));
        Assert.Equal("/healthz", chart.Reconciler.StartupProbe.HttpGet.Path);
        Assert.Equal(("http", 8080), (chart.Reconciler.Ports.Single().Name, chart.Reconciler.Ports.Single().ContainerPort));

        // Restricted (Pod Security Standards): not root, no escalation, no capability, a seccomp profile, read-only root.
        var pod = deployment.Spec.Template.Spec.SecurityContext;
        var container = chart.Reconciler.SecurityContext;
        Assert.True(pod.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.SeccompProfile.Type);
        Assert.True(container.RunAsNonRoot);
        Assert.False(container.AllowPrivilegeEscalation);
        Assert.True(container.ReadOnlyRootFilesystem);
        Assert.Equal(["ALL"], container.Capabilities.Drop);
        Assert.Null(container.Capabilities.Add);
        Assert.Equal("RuntimeDefault", container.SeccompProfile.Type);
        var mounts = chart.Reconciler.VolumeMounts.ToDictionary(m => m.Name, m => m.MountPath);
        var volumes = deployment.Spec.Template.Spec.Volumes.ToDictionary(v => v.Name);
        Assert.Equal("/var/lib/liquidmetal", mounts["mirror"]);
        Assert.NotNull(volumes["mirror"].EmptyDir);
        Assert.NotNull(volumes["tmp"].EmptyDir);
        Assert.Equal("lm-liquidmetal-webhook", volumes["webhook"].Secret.SecretName);
        Assert.Equal(288, volumes["webhook"].Secret.DefaultMode); // 0440

        // Labels: the standard ones everywhere; the selectors pick the reconciler's pods.
        foreach (var item in chart.Objects)
        {
            Assert.All(StandardLabels, label => Assert.True(item.Metadata.Labels?.ContainsKey(label), $"{item.Kind} {item.Metadata.Name} has no label {label}"));
            Assert.Equal("Helm", item.Metadata.Labels!["app.kubernetes.io/managed-by"]);
            Assert.Equal("liquidmetal", item.Metadata.NamespaceProperty);
        }

        var podLabels = deployment.Spec.Template.Metadata.Labels;
        Assert.All(deployment.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, podLabels[label.Key]));
        Assert.All(chart.Single<V1Service>().Spec.Selector, label => Assert.Equal(label.Value, podLabels[label.Key]));
        Assert.Equal("http", chart.Single<V1Service>().Spec.Ports.Single().TargetPort.Value);
        var budget = chart.Single<V1PodDisruptionBudget>();
        Assert.Equal("1", budget.Spec.MaxUnavailable.Value);
        Assert.All(budget.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, podLabels[label.Key]));

        // The Role: leases in coordination.k8s.io, get, create and update, and nothing else; bound to the pods' account.
        var role = chart.Single<V1Role>();
        Assert.All(role.Rules, rule => Assert.Equal(["coordination.k8s.io"], rule.ApiGroups));
        Assert.All(role.Rules, rule => Assert.Equal(["leases"], rule.Resources));
        Assert.Equal(["create", "get", "update"], role.Rules.SelectMany(r => r.Verbs).Order(StringComparer.Ordinal));
        Assert.Equal(["lm-liquidmetal"], role.Rules.Single(r => r.Verbs.Contains("update")).ResourceNames);
        var binding = chart.Single<V1RoleBinding>();
        Assert.Equal(role.Metadata.Name, binding.RoleRef.Name);
        var account = chart.Single<V1ServiceAccount>();
        Assert.Equal((account.Metadata.Name, "liquidmetal"), (binding.Subjects.Single().Name, binding.Subjects.Single().NamespaceProperty));
        Assert.Equal(account.Metadata.Name, deployment.Spec.Template.Spec.ServiceAccountName);
        Assert.True(deployment.Spec.Template.Spec.AutomountServiceAccountToken);

        Assert.Equal("not-a-real-secret", Encoding.UTF8.GetString(chart.Single<V1Secret>().Data["secret"]));
    }

    [HelmRenderFact]
    public async Task Render_NonDefaultValues_ServiceMonitorOnWebhookOffExistingSecretsThreeReplicas()
    {
        var chart = await RenderAsync(Required, """
            replicaCount: 3
            image:
              digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
            webhook:
              enabled: false
              secret: null # removes the required values' secret, as helm's merge does
            serviceMonitor:
              enabled: true
              labels:
                release: prometheus
            git:
              existingSecret: fleet-ssh
              existingSecretKeys: [ssh-privatekey, known_hosts]
            agents:
              existingSecret: agent-mtls
              existingSecretKeys: [ca.crt, tls.crt, tls.key]
            age:
              existingSecret: fleet-age
              recipients: [age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs8k7mg2]
            leaderElection:
              leaseName: fleet-reconciler
              leaseDuration: 30
              renewDeadline: 20
            fleet:
              controlPlaneSettle: 0.5
            resources:
              requests: { cpu: 500m, memory: 1Gi }
              limits: { memory: 4Gi }
            """);

        Assert.Equal(3, chart.Deployment.Spec.Replicas);
        Assert.Equal("ghcr.io/liquidmetal-dev/liquidmetal@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", chart.Reconciler.Image);
        Assert.Empty(chart.All<V1Secret>()); // every credential is an existing Secret
        var monitor = chart.Single<ServiceMonitor>();
        Assert.Equal("prometheus", monitor.Metadata.Labels["release"]);
        var scrape = monitor.Spec.Endpoints.Single();
        Assert.Equal(("http", "/metrics", "30s", "10s"), (scrape.Port, scrape.Path, scrape.Interval, scrape.ScrapeTimeout));
        Assert.All(monitor.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, chart.Single<V1Service>().Metadata.Labels[label.Key]));
        Assert.Equal(["liquidmetal"], monitor.Spec.NamespaceSelector?.MatchNames);

        // The port it names is the one the reconciler listens on, where /metrics is served unless --metrics=false.
        Assert.Equal("http", chart.Single<V1Service>().Spec.Ports.Single().Name);
        Assert.Contains($"--listen=0.0.0.0:{chart.Reconciler.Ports.Single(p => p.Name == scrape.Port).ContainerPort}", chart.Args);
        Assert.DoesNotContain(chart.Args, a => a.StartsWith("--metrics", StringComparison.Ordinal));

        Assert.DoesNotContain(chart.Args, a => a.StartsWith("--webhook", StringComparison.Ordinal));
        Assert.Contains("--git-ssh-key=/etc/liquidmetal/git/ssh-privatekey", chart.Args);
        Assert.Contains("--git-known-hosts=/etc/liquidmetal/git/known_hosts", chart.Args);
        Assert.DoesNotContain(chart.Args, a => a.StartsWith("--git-token-file", StringComparison.Ordinal));
        Assert.Contains("--agent-ca=/etc/liquidmetal/agents/ca.crt", chart.Args);
        Assert.Contains("--agent-cert=/etc/liquidmetal/agents/tls.crt", chart.Args);
        Assert.Contains("--agent-key=/etc/liquidmetal/agents/tls.key", chart.Args);
        Assert.DoesNotContain(chart.Args, a => a.StartsWith("--agent-token-file", StringComparison.Ordinal));
        Assert.Contains("--age-key-file=/etc/liquidmetal/age/key.txt", chart.Args);
        Assert.Contains("--age-recipient=age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs8k7mg2", chart.Args);
        Assert.Contains("--leader-election-lease=fleet-reconciler", chart.Args);
        Assert.Contains("--leader-election-lease-duration=30", chart.Args);
        Assert.Contains("--leader-election-renew-deadline=20", chart.Args);
        Assert.Contains("--control-plane-settle=0.5", chart.Args);
        var secrets = chart.Deployment.Spec.Template.Spec.Volumes.Where(v => v.Secret is not null).ToDictionary(v => v.Name, v => v.Secret.SecretName);
        Assert.Equal(new Dictionary<string, string> { ["age"] = "fleet-age", ["agents"] = "agent-mtls", ["git"] = "fleet-ssh" }, secrets);
        Assert.Equal(["fleet-reconciler"], chart.Single<V1Role>().Rules.Single(r => r.Verbs.Contains("update")).ResourceNames);
        Assert.Equal("500m", chart.Reconciler.Resources.Requests["cpu"].ToString());
        Assert.Equal("4Gi", chart.Reconciler.Resources.Limits["memory"].ToString());
    }

    [HelmRenderFact]
    public async Task Render_InlineCredentials_MakesTheirSecretsAndPassesOnlyTheFilesGiven()
    {
        var chart = await RenderAsync(Required, """
            git:
              token: not-a-real-token
            agents:
              caCert: "-----BEGIN CERTIFICATE-----\nnot a real one\n-----END CERTIFICATE-----\n"
              token: not-a-real-agent-token
            age:
              key: AGE-SECRET-KEY-1NOTAREALKEY
            fleet:
              sshAllowedSigners: "ops@example.com ssh-ed25519 AAAAnotreal"
            """);

        var secrets = chart.All<V1Secret>().ToDictionary(s => s.Metadata.Name, s => s.Data.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(["token"], secrets["lm-liquidmetal-git"]);
        Assert.Equal(["ca.crt", "token"], secrets["lm-liquidmetal-agents"]);
        Assert.Equal(["key.txt"], secrets["lm-liquidmetal-age"]);
        Assert.Equal(["secret"], secrets["lm-liquidmetal-webhook"]);
        Assert.Contains("--git-token-file=/etc/liquidmetal/git/token", chart.Args);
        Assert.Contains("--git-user=x-access-token", chart.Args);
        Assert.Contains("--agent-ca=/etc/liquidmetal/agents/ca.crt", chart.Args);
        Assert.Contains("--agent-token-file=/etc/liquidmetal/agents/token", chart.Args);
        Assert.DoesNotContain(chart.Args, a => a.StartsWith("--agent-cert", StringComparison.Ordinal) || a.StartsWith("--git-ssh-key", StringComparison.Ordinal));
        Assert.Contains("--require-ssh-signers=/etc/liquidmetal/trust/allowed_signers", chart.Args);
        Assert.Equal("ops@example.com ssh-ed25519 AAAAnotreal\n", chart.Single<V1ConfigMap>().Data["allowed_signers"]);
        Assert.Matches("^[0-9a-f]{64}$", chart.Deployment.Spec.Template.Metadata.Annotations["checksum/secrets"]);
    }

    [HelmRenderFact]
    public async Task Render_MissingRepoWebhookSecretOrElection_FailsNamingTheValue()
    {
        var renderer = await HelmRenderer.GetAsync();

        var (exit, _, error) = await renderer.RenderAsync("webhook: { secret: x }");
        Assert.Equal(1, exit);
        Assert.Contains("fleet.repo is required", error, StringComparison.Ordinal);

        (exit, _, error) = await renderer.RenderAsync("fleet: { repo: https://git.example/fleet.git }");
        Assert.Equal(1, exit);
        Assert.Contains("webhook.enabled needs webhook.secret or webhook.existingSecret", error, StringComparison.Ordinal);

        (exit, _, error) = await renderer.RenderAsync(Required, "leaderElection: { enabled: false }");
        Assert.Equal(1, exit);
        Assert.Contains("replicaCount above 1 needs leaderElection.enabled", error, StringComparison.Ordinal);

        // One replica without election: no Role, no PDB, no service-account token in the pod.
        var single = await RenderAsync(Required, "replicaCount: 1\nleaderElection: { enabled: false }");
        Assert.Equal(["Deployment", "Secret", "Service", "ServiceAccount"], single.Objects.Select(o => o.Kind).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("--leader-elect", single.Args);
        Assert.False(single.Deployment.Spec.Template.Spec.AutomountServiceAccountToken);
    }

    [HelmRenderFact]
    public async Task ValuesSchema_ChartValuesPassAndBadValuesAreRejectedNamingTheField()
    {
        var renderer = await HelmRenderer.GetAsync();
        var schema = await JsonSchema.FromFileAsync(Path.Combine(HelmRenderer.Chart, "values.schema.json"));

        Assert.Empty(schema.Validate(await ValuesAsync(renderer, Required)));

        string[] bad =
        [
            "replicaCount: two",
            "replicas: 2",
            "securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, capabilities: { drop: [ALL] } }",
            "podSecurityContext: { runAsNonRoot: false }",
            "logFormat: xml",
            "image: { digest: latest }",
            "git: { existingSecretKeys: [password] }",
            "service: { port: 70000 }",
            "fleet: { controlPlaneSettle: -1 }",
        ];
        foreach (var values in bad)
        {
            var errors = schema.Validate(await ValuesAsync(renderer, Required, values));
            Assert.True(errors.Count > 0, $"the schema accepts {values}");
            var field = values.Split(':')[0];
            Assert.Contains(errors, e => (e.Path ?? "").Contains(field, StringComparison.Ordinal) || (e.Property ?? "") == field);
        }
    }

    [HelmRenderFact]
    public async Task Notes_NameTheLeaseAndHowToSeeWhoLeads()
    {
        var renderer = await HelmRenderer.GetAsync();

        var (exit, notes, error) = await renderer.NotesAsync(Required);

        Assert.True(exit == 0, error);
        Assert.Contains("2 replica(s); the one holding the Lease liquidmetal/lm-liquidmetal reconciles", notes, StringComparison.Ordinal);
        Assert.Contains("kubectl -n liquidmetal get lease lm-liquidmetal", notes, StringComparison.Ordinal);
        Assert.Contains("curl -s localhost:8080/metrics", notes, StringComparison.Ordinal);
        Assert.Contains("http://lm-liquidmetal.liquidmetal.svc:8080/webhook", notes, StringComparison.Ordinal);
        Assert.Contains("No age identity is set", notes, StringComparison.Ordinal);
    }

    private static async Task<RenderedChart> RenderAsync(params string[] values)
    {
        var (exit, output, error) = await (await HelmRenderer.GetAsync()).RenderAsync(values);
        Assert.True(exit == 0, $"helm-render exited {exit}: {error}");
        return RenderedChart.Parse(output);
    }

    private static async Task<string> ValuesAsync(HelmRenderer renderer, params string[] values)
    {
        var (exit, output, error) = await renderer.ValuesAsync(values);
        Assert.True(exit == 0, $"helm-render -print-values exited {exit}: {error}");
        return output;
    }

    private static string AppVersion() =>
        File.ReadLines(Path.Combine(HelmRenderer.Chart, "Chart.yaml")).Single(l => l.StartsWith("appVersion:", StringComparison.Ordinal)).Split(':')[1].Trim().Trim('"');
}
