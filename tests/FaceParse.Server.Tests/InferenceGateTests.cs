namespace FaceParse.Server.Tests;

/// <summary>The admission gate alone: capacity, refusal when full, counts of waiting and running work, release on dispose.</summary>
public sealed class InferenceGateTests
{
    [Fact]
    public async Task Admits_concurrency_plus_queue_refuses_beyond_and_counts_waiting_and_running()
    {
        var gate = new InferenceGate(new ServerOptions { MaxConcurrency = 1, MaxQueue = 1 });
        var first = gate.TryAdmit();
        var second = gate.TryAdmit();
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(gate.TryAdmit());
        Assert.Equal((2, 0, 2), (gate.Queued, gate.Running, gate.Admitted));

        using var release = new ManualResetEventSlim();
        var running = first!.RunAsync(() => { release.Wait(TestContext.Current.CancellationToken); return 1; }, CancellationToken.None);
        while (gate.Running == 0) await Task.Delay(5, TestContext.Current.CancellationToken);
        var waiting = second!.RunAsync(() => 2, CancellationToken.None);
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted); // one slot: the second waits
        Assert.Equal((1, 1), (gate.Queued, gate.Running));

        release.Set();
        Assert.Equal(1, await running);
        Assert.Equal(2, await waiting);
        Assert.Equal((0, 0, 2), (gate.Queued, gate.Running, gate.Admitted));
        first.Dispose();
        first.Dispose(); // twice is harmless
        Assert.Equal(1, gate.Admitted);
        Assert.NotNull(gate.TryAdmit());
        second.Dispose();
        Assert.Equal(1, gate.Admitted);
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_the_counts_as_they_were()
    {
        var gate = new InferenceGate(new ServerOptions { MaxConcurrency = 1, MaxQueue = 4 });
        using var holder = gate.TryAdmit()!;
        using var release = new ManualResetEventSlim();
        var busy = holder.RunAsync(() => { release.Wait(TestContext.Current.CancellationToken); return 0; }, CancellationToken.None);
        while (gate.Running == 0) await Task.Delay(5, TestContext.Current.CancellationToken);
        using (var waiter = gate.TryAdmit()!)
        {
            using var cancel = new CancellationTokenSource(50);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter.RunAsync(() => 0, cancel.Token));
        }
        Assert.Equal((0, 1, 1), (gate.Queued, gate.Running, gate.Admitted));
        release.Set();
        await busy;
    }
}
