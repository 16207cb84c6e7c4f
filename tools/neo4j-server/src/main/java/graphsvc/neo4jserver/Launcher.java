package graphsvc.neo4jserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * Starts a Neo4j DBMS on a home directory with only Bolt, on 127.0.0.1, authentication on.
 *
 * <pre>java -Xmx1g -jar neo4j-server.jar --home DIR [--port N] [--pagecache-mb M]</pre>
 *
 * The password of user {@code neo4j} comes from the environment (NEO4J_SERVER_PASSWORD), never
 * the command line, so that it does not show in the process list; without it one is generated.
 * Once Bolt listens with that password set, {@code DIR/ready} is written (atomically) with the
 * Bolt URI, the user and the password: whoever waits for the server waits for that file. Port 0
 * asks for a free port, the file says which one was bound. SIGTERM shuts the DBMS down cleanly.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws Exception {
        Path home = null;
        int port = 0;
        long pagecacheMb = 512;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--home" -> home = Path.of(args[++i]).toAbsolutePath();
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--pagecache-mb" -> pagecacheMb = Long.parseLong(args[++i]);
                default -> usage("unknown argument " + args[i]);
            }
        }
        if (home == null) {
            usage("--home is required");
        }
        String password = System.getenv("NEO4J_SERVER_PASSWORD");
        if (password == null || password.isEmpty()) {
            byte[] raw = new byte[18];
            new SecureRandom().nextBytes(raw);
            password = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        }
        Files.createDirectories(home);
        Files.deleteIfExists(home.resolve("ready"));

        log("starting Neo4j on " + home);
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pagecacheMb * 1024 * 1024)
                // Test and development data: no point keeping transaction logs for recovery.
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "false")
                // Bolt waits 5 s for its thread pool and 5 s for its connections when it shuts
                // down, after the databases have stopped: ten seconds of every stop spent idle.
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofMillis(200))
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofMillis(200))
                .build();

        CountDownLatch down = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log("shutting down");
            dbms.shutdown();
            log("stopped");
            down.countDown();
        }, "neo4j-shutdown"));

        // The initial user must change its password before it may run anything; doing that here,
        // in-process, means no client ever sees the default password.
        // Started again on the same home with the same password (a restart), the password is
        // already set: Neo4j refuses to set it to itself, and that refusal is the answer wanted.
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } catch (QueryExecutionException e) {
            if (!String.valueOf(e.getMessage()).contains("Old password and new password cannot be the same")) {
                throw e;
            }
        }

        GraphDatabaseAPI db = (GraphDatabaseAPI) dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        int bolt = db.getDependencyResolver().resolveDependency(ConnectorPortRegister.class)
                .getLocalAddress(ConnectorType.BOLT).getPort();
        String uri = "bolt://127.0.0.1:" + bolt;
        writeReady(home, "GRAPHSVC_NEO4J_URI=" + uri + "\nGRAPHSVC_NEO4J_USER=neo4j\n"
                + "GRAPHSVC_NEO4J_PASSWORD=" + password + "\nPID=" + ProcessHandle.current().pid() + "\n");
        log("ready: " + uri);
        down.await();
    }

    private static void writeReady(Path home, String text) throws IOException {
        Path tmp = home.resolve("ready.tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        tmp.toFile().setReadable(false, false);
        tmp.toFile().setReadable(true, true);
        Files.move(tmp, home.resolve("ready"), StandardCopyOption.ATOMIC_MOVE);
    }

    private static void log(String msg) {
        System.out.println(Instant.now() + " launcher: " + msg);
        System.out.flush();
    }

    private static void usage(String why) {
        System.err.println(why + "\nusage: java -jar neo4j-server.jar --home DIR [--port N] [--pagecache-mb M]");
        System.exit(2);
    }
}
