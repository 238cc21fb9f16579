"""The portal's reload through the Kubernetes Python client: stream() over
connect_get_namespaced_pod_exec on one pod, output and exit status read, the
answer printed as one JSON object {success, data, stderr, exitCode}.

Arguments: SERVER CA_FILE NAMESPACE POD CONTAINER COMMAND...; the bearer token
comes from the environment (KUBE_TOKEN), never the command line.
"""
import json
import os
import sys

from kubernetes import client
from kubernetes.stream import stream


def exec_reload(api, namespace, pod, container, command):
    resp = stream(
        api.connect_get_namespaced_pod_exec,
        pod,
        namespace,
        container=container,
        command=command,
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
        _preload_content=False,
    )
    stdout, stderr = [], []
    resp.run_forever(timeout=60)
    stdout.append(resp.read_stdout())
    stderr.append(resp.read_stderr())
    exit_code = resp.returncode
    resp.close()
    return {"success": exit_code == 0, "data": "".join(stdout), "stderr": "".join(stderr), "exitCode": exit_code}


def main():
    server, ca_file, namespace, pod, container = sys.argv[1:6]
    command = sys.argv[6:]
    configuration = client.Configuration()
    configuration.host = server
    configuration.ssl_ca_cert = ca_file
    configuration.verify_ssl = True
    configuration.api_key = {"authorization": os.environ["KUBE_TOKEN"]}
    configuration.api_key_prefix = {"authorization": "Bearer"}
    api = client.CoreV1Api(client.ApiClient(configuration))
    try:
        result = exec_reload(api, namespace, pod, container, command)
    except Exception as error:  # the caller reads the reason from the JSON
        result = {"success": False, "data": "", "error": repr(error)}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
