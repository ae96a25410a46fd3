using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableTask.Core.Exceptions;
using Etl.Core.Definition;
using Etl.Orchestration;
using Etl.Testing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace Etl.Functions.Tests;

/// <summary>The timer, blob, queue and HTTP triggers against a substituted Durable client.</summary>
public sealed class TriggerTests : IDisposable
{
    private const string InstanceId = "etl-store-sales";
    private readonly DurableTaskClient _client = Substitute.For<DurableTaskClient>("test");
    private readonly RecordingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly List<(PipelineRunInput Input, StartOrchestrationOptions Options)> _scheduled = [];
    private readonly PipelineTriggers _triggers;

    public TriggerTests()
    {
        var config = RepoPaths.Get("samples", "store-sales", "pipeline.yaml");
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs));
        var starter = new RunStarter(PipelineDefinitionLoader.Load(config), new FunctionAppSettings(config, BatchSize: 25, MaxParallelFiles: 3), _loggerFactory.CreateLogger<RunStarter>());
        _triggers = new PipelineTriggers(starter, _loggerFactory.CreateLogger<PipelineTriggers>());
        InstanceIs(null);
        _client.ScheduleNewOrchestrationInstanceAsync(Arg.Any<TaskName>(), Arg.Any<object?>(), Arg.Any<StartOrchestrationOptions?>(), Arg.Any<CancellationToken>())
            .Returns(ci =>
            {
                var options = (StartOrchestrationOptions)ci[2]!;
                _scheduled.Add(((PipelineRunInput)ci[1]!, options));
                return options.InstanceId!;
            });
    }

    public void Dispose() => _loggerFactory.Dispose();

    [Fact]
    public async Task ScheduledRun_NoActiveRun_StartsTheSingletonWithTheAppSettings()
    {
        await _triggers.ScheduledRun(new TimerInfo(), _client, CancellationToken.None);

        var (input, options) = _scheduled.ShouldHaveSingleItem();
        input.ShouldBe(new PipelineRunInput("store-sales", BatchSize: 25, MaxParallelFiles: 3, Trigger: "schedule"));
        options.InstanceId.ShouldBe(InstanceId);
        options.DedupeStatuses.ShouldNotBeNull().ShouldBe(["Pending", "Running"], ignoreOrder: true);
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Running)]
    [InlineData(OrchestrationRuntimeStatus.Pending)]
    public async Task ScheduledRun_RunActive_JoinsIt(OrchestrationRuntimeStatus status)
    {
        InstanceIs(status);

        await _triggers.ScheduledRun(new TimerInfo(), _client, CancellationToken.None);

        _scheduled.ShouldBeEmpty();
        _logs.Entries.ShouldContain(e => e.EventId.Id == LogEvents.RunJoined);
    }

    [Fact]
    public async Task ScheduledRun_AnotherTriggerStartedItFirst_JoinsWithoutFailing()
    {
        _client.ScheduleNewOrchestrationInstanceAsync(Arg.Any<TaskName>(), Arg.Any<object?>(), Arg.Any<StartOrchestrationOptions?>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new OrchestrationAlreadyExistsException($"An orchestration with id '{InstanceId}' already exists. It's in the Pending state."));

        await _triggers.ScheduledRun(new TimerInfo(), _client, CancellationToken.None);

        _logs.Entries.ShouldContain(e => e.EventId.Id == LogEvents.RunJoined);
    }

    [Fact]
    public async Task BlobLanded_StartsARunWithoutReadingTheBlob()
    {
        var content = new MemoryStream([1, 2, 3]);

        await _triggers.BlobLanded(content, "store-sales/2024-03.csv", _client, CancellationToken.None);

        content.CanRead.ShouldBeFalse("the stream is released at once");
        _scheduled.ShouldHaveSingleItem().Input.Trigger.ShouldBe("blob-event");
    }

    public static TheoryData<string, string> S3Bodies()
    {
        const string plain = """{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"lake"},"object":{"key":"landing/store-sales/2024-03.csv","size":100}}}]}""";
        var sns = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["Type"] = "Notification",
            ["TopicArn"] = "arn:aws:sns:eu-west-1:123456789012:lake-events",
            ["Message"] = plain,
        });
        const string eventBridge = """{"version":"0","detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"lake"},"object":{"key":"landing/store-sales/2024-03.csv","size":100}}}""";
        return new() { { "plain", plain }, { "sns", sns }, { "eventbridge", eventBridge } };
    }

    [Theory]
    [MemberData(nameof(S3Bodies))]
    public async Task S3EventQueued_ObjectCreated_StartsARun(string kind, string body)
    {
        await _triggers.S3EventQueued(body, _client, CancellationToken.None);

        _scheduled.ShouldHaveSingleItem(kind).Input.Trigger.ShouldBe("s3-event");
    }

    [Theory]
    [InlineData("this is not json {")]
    [InlineData("""{"Type":"Notification","TopicArn":"arn:aws:sns:eu-west-1:1:t","Message":"not json either"}""")]
    public async Task S3EventQueued_Malformed_LoggedAndDroppedNotRetried(string body)
    {
        // Returning normally completes the queue message: throwing would retry it into the poison queue.
        await _triggers.S3EventQueued(body, _client, CancellationToken.None);

        _scheduled.ShouldBeEmpty();
        _logs.Entries.ShouldContain(e => e.EventId.Id == LogEvents.QueueMessageMalformed && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task S3EventQueued_NoObjectCreated_Ignored()
    {
        await _triggers.S3EventQueued("""{"Records":[{"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"lake"},"object":{"key":"landing/store-sales/2024-03.csv"}}}]}""", _client, CancellationToken.None);

        _scheduled.ShouldBeEmpty();
        _logs.Entries.ShouldContain(e => e.EventId.Id == LogEvents.QueueMessageIgnored);
    }

    [Fact]
    public async Task HttpStart_NoActiveRun_202WithDurableManagementUrls()
    {
        var response = (TestHttpResponseData)await _triggers.HttpStart(Request(), _client, CancellationToken.None);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var body = ManagementUrls(response);
        body["id"]!.GetValue<string>().ShouldBe(InstanceId);
        body["statusQueryGetUri"]!.GetValue<string>().ShouldStartWith($"https://etl-app.azurewebsites.net/runtime/webhooks/durabletask/instances/{InstanceId}");
        response.Headers.GetValues("Location").ShouldHaveSingleItem().ShouldBe(body["statusQueryGetUri"]!.GetValue<string>());
        _scheduled.ShouldHaveSingleItem().Input.Trigger.ShouldBe("http");
    }

    [Fact]
    public async Task HttpStart_RunActive_409WithTheRunningInstancesUrls()
    {
        InstanceIs(OrchestrationRuntimeStatus.Running);

        var response = (TestHttpResponseData)await _triggers.HttpStart(Request(), _client, CancellationToken.None);

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var body = ManagementUrls(response);
        body["id"]!.GetValue<string>().ShouldBe(InstanceId);
        body["terminatePostUri"]!.GetValue<string>().ShouldContain($"/instances/{InstanceId}/terminate");
        _scheduled.ShouldBeEmpty();
    }

    private static JsonObject ManagementUrls(TestHttpResponseData response)
    {
        var body = JsonNode.Parse(response.ReadBody())!.AsObject();
        foreach (var name in new[] { "id", "statusQueryGetUri", "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri" })
        {
            body.ContainsKey(name).ShouldBeTrue($"{name} in {body.ToJsonString()}");
        }

        return body;
    }

    private static TestHttpRequestData Request()
    {
        var services = new ServiceCollection();
        services.AddOptions().Configure<WorkerOptions>(o => o.Serializer = FunctionsJson.Serializer);
        var context = Substitute.For<FunctionContext>();
        context.InstanceServices.Returns(services.BuildServiceProvider());
        return new TestHttpRequestData(context, new Uri("https://etl-app.azurewebsites.net/api/start"));
    }

    private void InstanceIs(OrchestrationRuntimeStatus? status)
    {
        var metadata = status is { } s ? new OrchestrationMetadata(ActivityNames.RunPipeline, InstanceId) { RuntimeStatus = s } : null;
        _client.GetInstanceAsync(InstanceId, Arg.Any<CancellationToken>()).Returns(metadata);
        _client.GetInstanceAsync(InstanceId, Arg.Any<bool>(), Arg.Any<CancellationToken>()).Returns(metadata);
    }
}
