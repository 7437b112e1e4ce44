/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Services written in Vala: a blocking heartbeat and an asynchronous ticker that depends on
 * a value provider, run by one daemon.
 *
 *   sd-example-vala [--duration=SECONDS]     Ctrl-C stops it gracefully
 */

/* A value provider: how often the ticker ticks, from SD_EXAMPLE_TICK_MS or 700 */
public class TickInterval : Sd.ValueProvider {
    static construct {
        Sd.ValueProvider.type_set_default (typeof (TickInterval), new Variant.int32 (700));
        Sd.ValueProvider.type_bind_env (typeof (TickInterval), "SD_EXAMPLE_TICK_MS", false);
    }
}

/* A blocking service: it gets a thread of its own and sleeps until it must stop */
public class Heartbeat : Sd.Service {
    static construct {
        Sd.Service.type_set_default_value (typeof (Heartbeat), "priority", (uint) Sd.Priority.STORAGE);
    }

    public override bool run (Sd.Context context) throws Error {
        uint beat = 0;

        while (context.sleep (1000)) {
            print ("%s: beat %u\n", context.get_name (), ++beat);
        }
        print ("%s: stopping\n", context.get_name ());
        return true;
    }
}

/* An asynchronous service: a Vala async method on the daemon's main context */
public class Ticker : Sd.Service {
    public TickInterval interval { get; construct; }

    public override async bool run_async (Sd.Context context, Cancellable? cancellable) throws Error {
        var ms = (uint) interval.get_int ();
        var source = new TimeoutSource (ms);
        uint ticks = 0;

        source.set_callback (() => {
            print ("%s: tick %u (every %u ms)\n", context.get_name (), ++ticks, ms);
            return Source.CONTINUE;
        });
        source.attach (MainContext.get_thread_default ());

        /* Waiting for the stop request is the handshake: the service is HEALTHY */
        yield context.wait_shutdown_async (null);
        source.destroy ();
        print ("%s: stopping after %u ticks\n", context.get_name (), ticks);
        return true;
    }
}

static int duration = 0;

const OptionEntry[] options = {
    { "duration", 'd', 0, OptionArg.INT, ref duration, "Shut down by itself after SECONDS", "SECONDS" },
    { null }
};

int main (string[] args) {
    try {
        var option_context = new OptionContext ("- services written in Vala");
        option_context.add_main_entries (options, null);
        option_context.parse (ref args);
    } catch (Error e) {
        printerr ("%s\n", e.message);
        return 2;
    }

    var daemon = new Sd.Daemon.with_registry (new Sd.Registry ());
    try {
        daemon.add_service_type (typeof (Heartbeat));
        daemon.add_service_type (typeof (Ticker));
    } catch (Error e) {
        printerr ("%s\n", e.message);
        return 1;
    }

    daemon.service_state_changed.connect ((service, old_state, new_state) => {
        print ("[state] %s: %s -> %s\n", service.get_name (),
               old_state.to_string (), new_state.to_string ());
    });
    daemon.ready.connect (() => print ("== all services started (Ctrl-C stops) ==\n"));

    if (duration > 0) {
        Timeout.add_seconds (duration, () => {
            print ("== duration elapsed: shutting down ==\n");
            daemon.shutdown ();
            return Source.REMOVE;
        });
    }

    try {
        daemon.run (null);
    } catch (Error e) {
        printerr ("%s\n", e.message);
    }
    print ("== all services stopped ==\n");
    return daemon.get_exit_status ();
}
