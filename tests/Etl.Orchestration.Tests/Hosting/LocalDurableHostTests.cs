using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Etl.Orchestration.Hosting;

namespace Etl.Orchestration.Tests.Hosting;

public sealed class LocalDurableHostTests : IAsyncLifetime
{
    private const string Base = "/runtime/webhooks/durabletask";
    private readonly HostHarness _host = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Start_ThenPoll_ReturnsDurableShapesUntilCompleted()
    {
        await _host.StartAsync(new FakePipelineActivities(4));

        var start = await _host.Client.PostAsync("/api/start", null, Ct);
        var payload = await start.Content.ReadFromJsonAsync<JsonElement>(Ct);

        start.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = payload.GetProperty("id").GetString()!;
        var statusUri = payload.GetProperty("statusQueryGetUri").GetString()!;
        start.Headers.Location!.ToString().ShouldBe(statusUri);
        statusUri.ShouldBe($"{_host.Client.BaseAddress!.ToString().TrimEnd('/')}{Base}/instances/{id}");
        payload.GetProperty("sendEventPostUri").GetString().ShouldBe(statusUri + "/raiseEvent/{eventName}");
        payload.GetProperty("terminatePostUri").GetString().ShouldBe(statusUri + "/terminate?reason={text}");
        payload.GetProperty("purgeHistoryDeleteUri").GetString().ShouldBe(statusUri);

        var (done, body) = await _host.PollUntilFinishedAsync(statusUri);
        done.StatusCode.ShouldBe(HttpStatusCode.OK);
        body.GetProperty("name").GetString().ShouldBe(ActivityNames.RunPipeline);
        body.GetProperty("instanceId").GetString().ShouldBe(id);
        body.GetProperty("runtimeStatus").GetString().ShouldBe("Completed");
        body.GetProperty("input").GetProperty("pipeline").GetString().ShouldBe("sales");
        body.GetProperty("customStatus").GetProperty("filesDone").GetInt32().ShouldBe(4);
        body.GetProperty("output").GetProperty("filesSucceeded").GetInt32().ShouldBe(4);
        DateTimeOffset.Parse(body.GetProperty("createdTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBeLessThanOrEqualTo(DateTimeOffset.Parse(body.GetProperty("lastUpdatedTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        body.GetProperty("createdTime").GetString()!.ShouldEndWith("Z");
    }

    [Fact]
    public async Task Status_WhileRunning_Is202WithRetryAfter_SecondStartIs409WithTheActiveRun_TerminateStopsIt()
    {
        await _host.StartAsync(new FakePipelineActivities(2) { Process = async (f, _, ct) => { await Task.Delay(Timeout.Infinite, ct); return Files.Succeeded(f); } });
        var first = await (await _host.Client.PostAsync(Base + "/orchestrators/RunPipeline", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = first.GetProperty("id").GetString()!;

        var running = await _host.Client.GetAsync($"{Base}/instances/{id}", Ct);
        var second = await _host.Client.PostAsync("/api/start", null, Ct);
        var terminate = await _host.Client.PostAsync($"{Base}/instances/{id}/terminate?reason=operator", null, Ct);
        var after = await _host.Client.GetAsync($"{Base}/instances/{id}", Ct);
        var terminateAgain = await _host.Client.PostAsync($"{Base}/instances/{id}/terminate", null, Ct);

        running.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        running.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(1));
        (await running.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("runtimeStatus").GetString().ShouldBeOneOf("Pending", "Running");
        second.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await second.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString().ShouldBe(id);
        terminate.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        after.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var afterBody = await after.Content.ReadFromJsonAsync<JsonElement>(Ct);
        afterBody.GetProperty("runtimeStatus").GetString().ShouldBe("Terminated");
        afterBody.GetProperty("output").GetString().ShouldBe("operator");
        terminateAgain.StatusCode.ShouldBe(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Start_WhileAnotherHostHoldsTheLake_Is503WithRetryAfter_ThenWorksOnceItIsFree()
    {
        var other = await _host.Lake.Store.TryAcquireLeaseAsync(Etl.Orchestration.Local.LocalRuntimeOptions.LeaseKey, TimeSpan.FromMinutes(1), Ct);
        other.ShouldNotBeNull();
        await _host.StartAsync(new FakePipelineActivities(1));

        using var waiting = await _host.Client.PostAsync("/api/start", null, Ct);
        waiting.StatusCode.ShouldBe(System.Net.HttpStatusCode.ServiceUnavailable);
        waiting.Headers.RetryAfter.ShouldNotBeNull();
        (await waiting.Content.ReadAsStringAsync(Ct)).ShouldContain("Another host holds the lake");

        await other.ReleaseAsync(Ct);
        HttpResponseMessage? started = null;
        for (var i = 0; i < 100 && started?.StatusCode != System.Net.HttpStatusCode.Accepted; i++)
        {
            started?.Dispose();
            started = await _host.Client.PostAsync("/api/start", null, Ct);
        }

        started!.StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted);
        started.Dispose();
    }

    [Fact]
    public async Task Status_UnknownInstance_Is404()
    {
        await _host.StartAsync(new FakePipelineActivities());

        (await _host.Client.GetAsync($"{Base}/instances/nosuchid", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _host.Client.PostAsync($"{Base}/instances/nosuchid/terminate", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _host.Client.DeleteAsync($"{Base}/instances/nosuchid", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task List_FiltersOnStatusAndCreatedTime_AndPurgeDeletes()
    {
        var activities = new FakePipelineActivities(1);
        await _host.StartAsync(activities);
        var completedId = await RunToEndAsync();
        activities.Land(Files.Item(50));
        var secondId = await RunToEndAsync();

        var all = await _host.Client.GetFromJsonAsync<JsonElement[]>($"{Base}/instances", Ct);
        var completed = await _host.Client.GetFromJsonAsync<JsonElement[]>($"{Base}/instances?runtimeStatus=Completed,Failed", Ct);
        var running = await _host.Client.GetFromJsonAsync<JsonElement[]>($"{Base}/instances?runtimeStatus=Running", Ct);
        var future = await _host.Client.GetFromJsonAsync<JsonElement[]>($"{Base}/instances?createdTimeFrom={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture))}", Ct);
        var past = await _host.Client.GetFromJsonAsync<JsonElement[]>($"{Base}/instances?createdTimeTo={DateTimeOffset.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}&top=1", Ct);
        var bad = await _host.Client.GetAsync($"{Base}/instances?runtimeStatus=Sleeping", Ct);

        all!.Select(i => i.GetProperty("instanceId").GetString()).ShouldBe([secondId, completedId]);
        completed!.Length.ShouldBe(2);
        running!.ShouldBeEmpty();
        future!.ShouldBeEmpty();
        past!.Length.ShouldBe(1);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var purge = await _host.Client.DeleteAsync($"{Base}/instances/{completedId}", Ct);
        purge.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await purge.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("instancesDeleted").GetInt32().ShouldBe(1);
        (await _host.Client.GetAsync($"{Base}/instances/{completedId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var purgeMany = await _host.Client.DeleteAsync($"{Base}/instances?runtimeStatus=Completed", Ct);
        (await purgeMany.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("instancesDeleted").GetInt32().ShouldBe(1);
        (await _host.Client.DeleteAsync($"{Base}/instances?runtimeStatus=Completed", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task EventGrid_ValidationHandshake_EchoesTheCode()
    {
        await _host.StartAsync(new FakePipelineActivities(1));
        const string Body = """[{"id":"1","eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","subject":"","data":{"validationCode":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"},"dataVersion":"1","eventTime":"2026-01-01T00:00:00Z"}]""";

        var response = await PostJsonAsync("/api/events/eventgrid", Body);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("validationResponse").GetString().ShouldBe("512d38b6-c7b8-40c8-89fe-f46f9e9622b6");
        _host.Activities.DiscoverCalls.ShouldBe(0);
    }

    [Fact]
    public async Task EventGrid_BlobCreated_StartsOnceAndTheDuplicateIsIgnored()
    {
        await _host.StartAsync(new FakePipelineActivities(2));
        var body = EventGrid("landing/sales/f001.csv");

        var first = await PostJsonAsync("/api/events/eventgrid", body);
        first.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var statusUri = (await first.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("statusQueryGetUri").GetString()!;
        (await _host.PollUntilFinishedAsync(statusUri)).Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var duplicate = await PostJsonAsync("/api/events/eventgrid", body);

        duplicate.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await duplicate.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("started").GetBoolean().ShouldBeFalse();
        (await _host.Client.GetFromJsonAsync<JsonElement[]>($"{Base}/instances", Ct))!.Length.ShouldBe(1);
        _host.Activities.ProcessCalls["landing/sales/f001.csv"].ShouldBe(1);
    }

    [Fact]
    public async Task Events_OutsideLandingOrUnknownType_StartNothing()
    {
        await _host.StartAsync(new FakePipelineActivities(1));

        var outside = await PostJsonAsync("/api/events/eventgrid", EventGrid("processed/sales/part-x.parquet"));
        var deleted = await PostJsonAsync("/api/events/s3", """{"Records":[{"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"lake"},"object":{"key":"landing/sales/f000.csv"}}}]}""");
        var testEvent = await PostJsonAsync("/api/events/s3", """{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"lake"}""");
        var notJson = await PostJsonAsync("/api/events/s3", "not json");

        outside.StatusCode.ShouldBe(HttpStatusCode.OK);
        deleted.StatusCode.ShouldBe(HttpStatusCode.OK);
        testEvent.StatusCode.ShouldBe(HttpStatusCode.OK);
        notJson.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await _host.Client.GetFromJsonAsync<JsonElement[]>($"{Base}/instances", Ct))!.ShouldBeEmpty();
    }

    [Fact]
    public async Task S3_PlainSnsAndEventBridge_EachStartForANewFile()
    {
        var activities = new FakePipelineActivities();
        await _host.StartAsync(activities);
        var plain = """{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"lake"},"object":{"key":"landing/sales/f000.csv","size":100}}}]}""";
        var sns = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["Type"] = "Notification",
            ["MessageId"] = "m1",
            ["TopicArn"] = "arn:aws:sns:eu-west-1:123456789012:landing",
            ["Message"] = plain.Replace("f000", "f001", StringComparison.Ordinal),
        });
        var eventBridge = """{"version":"0","detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"lake"},"object":{"key":"landing/sales/f002.csv","size":100}}}""";

        foreach (var (body, i) in new[] { (plain, 0), (sns, 1), (eventBridge, 2) })
        {
            activities.Land(Files.Item(i));
            var response = await PostJsonAsync("/api/events/s3", body);
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            var statusUri = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("statusQueryGetUri").GetString()!;
            (await _host.PollUntilFinishedAsync(statusUri)).Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        activities.ProcessCalls.Keys.Order(StringComparer.Ordinal).ShouldBe(["landing/sales/f000.csv", "landing/sales/f001.csv", "landing/sales/f002.csv"]);
        activities.ProcessCalls.Values.ShouldAllBe(n => n == 1);
    }

    [Fact]
    public async Task Sns_SubscriptionConfirmation_ReturnsTheSubscribeUrlAndStartsNothing()
    {
        await _host.StartAsync(new FakePipelineActivities(1));
        const string Body = """{"Type":"SubscriptionConfirmation","MessageId":"m","Token":"t","TopicArn":"arn:aws:sns:eu-west-1:123456789012:landing","Message":"You have chosen to subscribe","SubscribeURL":"https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=t"}""";

        var response = await PostJsonAsync("/api/events/s3", Body);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("subscribeUrl").GetString().ShouldBe("https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=t");
        (await _host.Client.GetFromJsonAsync<JsonElement[]>($"{Base}/instances", Ct))!.ShouldBeEmpty();
    }

    [Fact]
    public async Task ApiKey_Configured_EveryEndpointIs401WithoutIt()
    {
        const string Key = "0123456789abcdef0123456789abcdef";
        _host.Options.ApiKey = Key;
        await _host.StartAsync(new FakePipelineActivities(1));

        (await _host.Client.PostAsync("/api/start", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _host.Client.GetAsync($"{Base}/instances", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _host.Client.GetAsync($"{Base}/instances/x", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _host.Client.DeleteAsync($"{Base}/instances/x", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await PostJsonAsync("/api/events/eventgrid", "[]")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _host.Client.GetAsync($"{Base}/instances?code=wrong-key-wrong-key", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/start");
        request.Headers.Add("x-functions-key", Key);
        var start = await _host.Client.SendAsync(request, Ct);
        start.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var statusUri = (await start.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("statusQueryGetUri").GetString()!;
        statusUri.ShouldEndWith("?code=" + Key);
        (await _host.PollUntilFinishedAsync(statusUri)).Response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public void BuildWebApplication_NonLoopbackAddressWithoutKey_IsRefused()
    {
        var options = new LocalDurableHostOptions { Address = "0.0.0.0", Port = 0, Schedule = null, SensorInterval = null };

        var ex = Should.Throw<EtlException>(() => LocalDurableHost.BuildWebApplication(options, _host.Lake.Store, new FakePipelineActivities()));

        ex.Message.ShouldContain("needs an API key");
    }

    [Fact]
    public void BuildWebApplication_BadSchedule_IsRefusedWithTheFix()
    {
        var options = new LocalDurableHostOptions { Port = 0, Schedule = "0 0 * * *", SensorInterval = null };

        var ex = Should.Throw<EtlException>(() => LocalDurableHost.BuildWebApplication(options, _host.Lake.Store, new FakePipelineActivities()));

        ex.Message.ShouldContain("6-field NCrontab");
    }

    private static string EventGrid(string key) =>
        $$"""[{"id":"{{Guid.NewGuid()}}","topic":"/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a","subject":"/blobServices/default/containers/lake/blobs/{{key}}","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2026-01-01T00:00:00Z","data":{"api":"PutBlob","contentType":"text/csv","contentLength":100,"blobType":"BlockBlob","url":"https://a.blob.core.windows.net/lake/{{key}}"},"dataVersion":"","metadataVersion":"1"}]""";

    private Task<HttpResponseMessage> PostJsonAsync(string path, string body) =>
        _host.Client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Ct);

    private async Task<string> RunToEndAsync()
    {
        var start = await _host.Client.PostAsync("/api/start", null, Ct);
        var payload = await start.Content.ReadFromJsonAsync<JsonElement>(Ct);
        await _host.PollUntilFinishedAsync(payload.GetProperty("statusQueryGetUri").GetString()!);
        return payload.GetProperty("id").GetString()!;
    }
}
