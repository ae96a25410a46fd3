using System.Net;
using System.Net.Sockets;

namespace Etl.Testing;

/// <summary>Loopback ports for servers the tests start (or for an endpoint nobody listens on).</summary>
public static class LoopbackPorts
{
    /// <summary>A 127.0.0.1 port the OS says is free at this moment (it may be taken again by the time it is used).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
