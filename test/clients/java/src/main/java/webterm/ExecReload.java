package webterm;

import com.google.gson.Gson;
import io.kubernetes.client.Exec;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The portal's reload through the Kubernetes Java client, as the seed wraps
 * it: Exec.exec(...) on one pod, the output read, the exit status waited
 * for, and the answer returned as {success, data}.
 *
 * <p>Arguments: SERVER CA_FILE NAMESPACE POD CONTAINER COMMAND...; the bearer
 * token comes from the environment (KUBE_TOKEN), never the command line.
 * Prints one JSON object: success, data (stdout), stderr, exitCode.
 */
public final class ExecReload {
  private ExecReload() {}

  public static Map<String, Object> exec(ApiClient client, String namespace, String pod, String container, String[] command) throws Exception {
    Map<String, Object> result = new LinkedHashMap<>();
    Process process = new Exec(client).exec(namespace, pod, command, container, false, false);
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    Thread out = copy(process.getInputStream(), stdout);
    Thread err = copy(process.getErrorStream(), stderr);
    boolean finished = process.waitFor(60, TimeUnit.SECONDS);
    out.join(10_000);
    err.join(10_000);
    int exitCode = finished ? process.exitValue() : -1;
    process.destroy();
    result.put("success", finished && exitCode == 0);
    result.put("data", stdout.toString(StandardCharsets.UTF_8));
    result.put("stderr", stderr.toString(StandardCharsets.UTF_8));
    result.put("exitCode", exitCode);
    return result;
  }

  private static Thread copy(InputStream in, ByteArrayOutputStream to) {
    Thread thread = new Thread(() -> {
      try {
        in.transferTo(to);
      } catch (Exception ignored) {
        // the stream ends when the websocket closes
      }
    });
    thread.start();
    return thread;
  }

  public static void main(String[] args) throws Exception {
    String server = args[0];
    String caFile = args[1];
    String[] command = Arrays.copyOfRange(args, 5, args.length);
    ApiClient client;
    try (FileInputStream ca = new FileInputStream(caFile)) {
      client = new ClientBuilder()
          .setBasePath(server)
          .setAuthentication(new AccessTokenAuthentication(System.getenv("KUBE_TOKEN")))
          .setCertificateAuthority(ca.readAllBytes())
          .setVerifyingSsl(true)
          .build();
    }
    Map<String, Object> result;
    try {
      result = exec(client, args[2], args[3], args[4], command);
    } catch (Exception e) {
      result = new LinkedHashMap<>();
      result.put("success", false);
      result.put("data", "");
      result.put("error", e.toString());
    }
    System.out.println(new Gson().toJson(result));
    System.out.flush();
    // OkHttp's threads would keep the JVM alive for a minute.
    System.exit(0);
  }
}
