namespace FaceParse.Server;

/// <summary>Admission control for parses: at most <see cref="ServerOptions.MaxConcurrency"/> run at once and at most
/// <see cref="ServerOptions.MaxQueue"/> more wait; a request beyond that is refused at once (503) before its body is read, so the
/// memory held by uploads stays bounded.</summary>
public sealed class InferenceGate
{
    private readonly SemaphoreSlim _slots;
    private readonly int _capacity;
    private int _admitted;
    private int _waiting;
    private int _running;

    public InferenceGate(ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _slots = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
        _capacity = options.MaxConcurrency + options.MaxQueue;
    }

    /// <summary>Parses running now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Admitted requests that have not started their parse yet (reading their upload or waiting for a slot).</summary>
    public int Queued => Volatile.Read(ref _waiting);

    /// <summary>Requests holding an admission (queued, running or writing their answer); never more than
    /// <see cref="ServerOptions.MaxConcurrency"/> + <see cref="ServerOptions.MaxQueue"/>.</summary>
    public int Admitted => Volatile.Read(ref _admitted);

    /// <summary>Admits a request, or returns null when the queue is full. Dispose the ticket when the request is done.</summary>
    public Ticket? TryAdmit()
    {
        if (Interlocked.Increment(ref _admitted) > _capacity)
        {
            Interlocked.Decrement(ref _admitted);
            return null;
        }
        Interlocked.Increment(ref _waiting);
        return new Ticket(this);
    }

    /// <summary>An admitted request: <see cref="RunAsync{T}"/> waits for a parse slot, then runs the work on the thread pool.</summary>
    public sealed class Ticket(InferenceGate gate) : IDisposable
    {
        private int _disposed;
        private int _started;

        public async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
        {
            await gate._slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref gate._running);
            if (Interlocked.Exchange(ref _started, 1) == 0) Interlocked.Decrement(ref gate._waiting);
            try { return await Task.Run(work, CancellationToken.None).ConfigureAwait(false); }
            finally
            {
                Interlocked.Decrement(ref gate._running);
                gate._slots.Release();
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            if (Interlocked.Exchange(ref _started, 1) == 0) Interlocked.Decrement(ref gate._waiting);
            Interlocked.Decrement(ref gate._admitted);
        }
    }
}
