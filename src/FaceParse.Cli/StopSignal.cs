using System.Runtime.InteropServices;

namespace FaceParse.Cli;

/// <summary>Turns Ctrl+C and SIGTERM into a cancellation request (a graceful stop); a second Ctrl+C ends the process at once.</summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration? _term;
    private readonly Action<string> _notify;

    public StopSignal(Action<string> notify)
    {
        _notify = notify;
        Console.CancelKeyPress += OnCancelKeyPress;
        try
        {
            _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                Request("SIGTERM");
            });
        }
        catch (PlatformNotSupportedException)
        {
            _term = null; // Ctrl+C still works
        }
    }

    public CancellationToken Token => _source.Token;

    public bool Requested => _source.IsCancellationRequested;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (_source.IsCancellationRequested) return; // second Ctrl+C: let the runtime end the process
        e.Cancel = true;
        Request("Ctrl+C");
    }

    private void Request(string what)
    {
        if (_source.IsCancellationRequested) return;
        _notify($"{what}: stopping after the current step (press Ctrl+C again to abort at once) ...");
        _source.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _term?.Dispose();
        _source.Dispose();
    }
}
