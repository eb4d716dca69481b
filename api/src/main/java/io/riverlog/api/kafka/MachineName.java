package io.riverlog.api.kafka;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * This machine's name as other machines know it: its canonical host name, as Kafka advertises, unless
 * that is a loopback name ({@code localhost}, where the machine's own name maps to 127.0.0.1 in its
 * hosts file), which no other machine can use; then its plain host name. Looked up once (a lookup may
 * wait on DNS).
 */
final class MachineName {
    private static volatile String name;

    private MachineName() {
    }

    static String get() {
        String known = name;
        if (known == null) {
            known = lookUp();
            name = known;
        }
        return known;
    }

    private static String lookUp() {
        try {
            InetAddress local = InetAddress.getLocalHost();
            String canonical = local.getCanonicalHostName();
            boolean loopbackName = canonical.isBlank() || canonical.equals("localhost")
                    || canonical.startsWith("localhost.");
            return loopbackName ? local.getHostName() : canonical;
        } catch (UnknownHostException e) {
            // The host name itself is in the exception's message ("name: Name or service not known").
            String message = String.valueOf(e.getMessage());
            int colon = message.indexOf(':');
            return colon > 0 ? message.substring(0, colon) : "localhost";
        }
    }
}
