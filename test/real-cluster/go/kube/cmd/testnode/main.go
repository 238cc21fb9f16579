// testnode is the node of the real-cluster tests: a stand-in for kubelet plus
// container runtime whose "containers" are local processes. It registers a
// Node, marks the pods bound to it Running, and serves the kubelet's exec,
// attach and containerLogs endpoints with the streaming code the kubelet and
// the container runtimes use (k8s.io/kubelet/pkg/cri/streaming/remotecommand),
// so the API server's exec proxy, its websocket-to-SPDY translation and the
// kubelet side of the protocol are all real Kubernetes code.
//
// A container's process gets the container's literal env values and its
// workingDir from the pod spec; that is how the tests give each pod its own
// nginx (a PATH with a wrapper script first).
//
// A container with a command, and each ephemeral container (sh when it names
// none), runs one main process for the life of the pod (main_process.go):
// containerLogs serves its output, attach joins it, and an ephemeral
// container's status follows it (running, then terminated with its code).
//
// kwok would be the first choice for the node, but its local exec wraps the
// command's *exec.ExitError with fmt.Errorf, so the streaming code does not
// see an exit code and answers every non-zero exit as an InternalError; a
// real runtime answers NonZeroExitCode with the code as a cause.
package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	streaming "k8s.io/kubelet/pkg/cri/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"
)

var (
	server     = flag.String("server", "", "API server URL")
	token      = flag.String("token", "", "bearer token for the API server")
	caFile     = flag.String("ca", "", "CA bundle: verifies the API server and the API server's kubelet client certificate")
	certFile   = flag.String("tls-cert", "", "this node's serving certificate")
	keyFile    = flag.String("tls-key", "", "this node's serving key")
	nodeName   = flag.String("node-name", "testnode", "the Node's name")
	listenPort = flag.Int("port", 0, "port on 127.0.0.1 for the kubelet API")
)

type node struct {
	client kubernetes.Interface
	ctx    context.Context
	mu     sync.Mutex
	pods   map[string]*corev1.Pod // "namespace/name"
	procs  map[string]*mainProc   // "namespace/name/container"
	status sync.Mutex             // one status write at a time
}

func main() {
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "testnode:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	config := &rest.Config{Host: *server, BearerToken: *token, TLSClientConfig: rest.TLSClientConfig{CAFile: *caFile}}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return err
	}
	n := &node{client: client, ctx: ctx, pods: map[string]*corev1.Pod{}, procs: map[string]*mainProc{}}
	defer n.killAll("")

	listener, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*listenPort)))
	if err != nil {
		return err
	}
	port := listener.Addr().(*net.TCPAddr).Port
	if err := n.register(ctx, port); err != nil {
		return fmt.Errorf("registering node: %w", err)
	}

	caPEM, err := os.ReadFile(*caFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("/exec/", n.serveExec)
	mux.HandleFunc("/attach/", n.serveAttach)
	mux.HandleFunc("/containerLogs/", n.serveLogs)
	httpServer := &http.Server{
		Handler: mux,
		// Like a kubelet with x509 authentication: only clients with a certificate from the cluster CA.
		TLSConfig: &tls.Config{ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12},
	}
	go func() {
		<-ctx.Done()
		_ = httpServer.Close()
	}()
	go n.watchPods(ctx)
	fmt.Printf("testnode %s listening on 127.0.0.1:%d\n", *nodeName, port)
	err = httpServer.ServeTLS(listener, *certFile, *keyFile)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func (n *node) register(ctx context.Context, port int) error {
	nodes := n.client.CoreV1().Nodes()
	want := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: *nodeName, Labels: map[string]string{"kubernetes.io/hostname": *nodeName, "type": "testnode"}}}
	existing, err := nodes.Get(ctx, *nodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		existing, err = nodes.Create(ctx, want, metav1.CreateOptions{})
	}
	if err != nil {
		return err
	}
	now := metav1.Now()
	existing.Status = corev1.NodeStatus{
		Capacity:        corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("32"), corev1.ResourceMemory: resource.MustParse("64Gi"), corev1.ResourcePods: resource.MustParse("110")},
		Allocatable:     corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("32"), corev1.ResourceMemory: resource.MustParse("64Gi"), corev1.ResourcePods: resource.MustParse("110")},
		Phase:           corev1.NodeRunning,
		Conditions:      []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "testnode is ready", LastHeartbeatTime: now, LastTransitionTime: now}},
		Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}, {Type: corev1.NodeHostName, Address: *nodeName}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(port)}},
		NodeInfo:        corev1.NodeSystemInfo{KubeletVersion: "v1.34.4", OperatingSystem: "linux", Architecture: "amd64", ContainerRuntimeVersion: "local://processes"},
	}
	_, err = nodes.UpdateStatus(ctx, existing, metav1.UpdateOptions{})
	return err
}

// watchPods marks each pod bound to this node Running (all containers ready)
// and finishes deletions at once, as a kubelet would once its containers stop.
func (n *node) watchPods(ctx context.Context) {
	selector := fields.OneTermEqualSelector("spec.nodeName", *nodeName).String()
	for ctx.Err() == nil {
		w, err := n.client.CoreV1().Pods("").Watch(ctx, metav1.ListOptions{FieldSelector: selector})
		if err != nil {
			// The API server restarts in one of the tests: try again.
			time.Sleep(500 * time.Millisecond)
			continue
		}
		for event := range w.ResultChan() {
			pod, ok := event.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			key := pod.Namespace + "/" + pod.Name
			n.mu.Lock()
			if event.Type == watch.Deleted {
				delete(n.pods, key)
			} else {
				n.pods[key] = pod.DeepCopy()
			}
			n.mu.Unlock()
			if event.Type == watch.Deleted {
				n.killAll(podPrefix(pod.Namespace, pod.Name))
				continue
			}
			if pod.DeletionTimestamp != nil {
				n.killAll(podPrefix(pod.Namespace, pod.Name))
				zero := int64(0)
				_ = n.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &pod.UID}})
				continue
			}
			started := n.startProcesses(pod)
			if pod.Status.Phase != corev1.PodRunning || started {
				n.writeStatus(ctx, pod.Namespace, pod.Name)
			}
		}
		w.Stop()
	}
}

// startProcesses starts the main process of each container with a command
// and of each ephemeral container (sh when it names none) that has none yet;
// true when it started one.
func (n *node) startProcesses(pod *corev1.Pod) bool {
	type want struct {
		c         *corev1.Container
		ephemeral bool
	}
	var wanted []want
	for i := range pod.Spec.Containers {
		if len(pod.Spec.Containers[i].Command) > 0 {
			wanted = append(wanted, want{&pod.Spec.Containers[i], false})
		}
	}
	for i := range pod.Spec.EphemeralContainers {
		wanted = append(wanted, want{(*corev1.Container)(&pod.Spec.EphemeralContainers[i].EphemeralContainerCommon), true})
	}
	started := false
	for _, w := range wanted {
		key := mainKey(pod.Namespace, pod.Name, w.c.Name)
		n.mu.Lock()
		_, exists := n.procs[key]
		n.mu.Unlock()
		if exists {
			continue
		}
		argv := append(append([]string{}, w.c.Command...), w.c.Args...)
		if len(argv) == 0 {
			argv = []string{"sh"}
		}
		namespace, name := pod.Namespace, pod.Name
		proc, err := startMain(w.c, argv, func() {
			if w.ephemeral {
				n.writeStatus(n.ctx, namespace, name)
			}
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "testnode: %s: %v\n", key, err)
			continue
		}
		n.mu.Lock()
		n.procs[key] = proc
		n.mu.Unlock()
		started = true
	}
	return started
}

func (n *node) proc(namespace, pod, container string) *mainProc {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.procs[mainKey(namespace, pod, container)]
}

func (n *node) killAll(prefix string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for key, p := range n.procs {
		if strings.HasPrefix(key, prefix) {
			p.kill()
			delete(n.procs, key)
		}
	}
}

// writeStatus marks the pod Running with a status for each container and
// ephemeral container, reading the pod again on a conflict.
func (n *node) writeStatus(ctx context.Context, namespace, name string) {
	n.status.Lock()
	defer n.status.Unlock()
	for attempt := 0; attempt < 5; attempt++ {
		pod, err := n.client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return
		}
		n.fillStatus(pod)
		_, err = n.client.CoreV1().Pods(namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		if err == nil || !apierrors.IsConflict(err) {
			if err != nil {
				fmt.Fprintf(os.Stderr, "testnode: pod %s/%s status: %v\n", namespace, name, err)
			}
			return
		}
	}
}

func (n *node) fillStatus(pod *corev1.Pod) {
	now := metav1.Now()
	if pod.Status.Phase != corev1.PodRunning {
		pod.Status.Phase = corev1.PodRunning
		pod.Status.HostIP = "127.0.0.1"
		pod.Status.HostIPs = []corev1.HostIP{{IP: "127.0.0.1"}}
		pod.Status.PodIP = "127.0.0.1"
		pod.Status.PodIPs = []corev1.PodIP{{IP: "127.0.0.1"}}
		pod.Status.StartTime = &now
		pod.Status.Conditions = nil
		for _, t := range []corev1.PodConditionType{corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
			pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: now})
		}
		pod.Status.ContainerStatuses = nil
		started := true
		for _, c := range pod.Spec.Containers {
			id := "local://" + string(pod.UID) + "/" + c.Name
			state := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}
			if p := n.proc(pod.Namespace, pod.Name, c.Name); p != nil {
				state = p.state(id)
			}
			pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, corev1.ContainerStatus{
				Name: c.Name, Image: c.Image, ImageID: "local://" + c.Image, ContainerID: id,
				Ready: true, Started: &started, State: state,
			})
		}
	}
	pod.Status.EphemeralContainerStatuses = nil
	for _, ec := range pod.Spec.EphemeralContainers {
		id := "local://" + string(pod.UID) + "/" + ec.Name
		status := corev1.ContainerStatus{Name: ec.Name, Image: ec.Image, ImageID: "local://" + ec.Image, ContainerID: id}
		if p := n.proc(pod.Namespace, pod.Name, ec.Name); p != nil {
			status.State = p.state(id)
		} else {
			status.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
		}
		pod.Status.EphemeralContainerStatuses = append(pod.Status.EphemeralContainerStatuses, status)
	}
}

// parsePath reads /{verb}/{namespace}/{pod}/{container} or
// /{verb}/{namespace}/{pod}/{uid}/{container}, the kubelet's own routes.
func parsePath(path string) (namespace, pod, container string, ok bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch len(parts) {
	case 4:
		return parts[1], parts[2], parts[3], true
	case 5:
		return parts[1], parts[2], parts[4], true
	}
	return "", "", "", false
}

func (n *node) container(namespace, podName, name string) (*corev1.Pod, *corev1.Container, error) {
	n.mu.Lock()
	pod := n.pods[namespace+"/"+podName]
	n.mu.Unlock()
	if pod == nil {
		var err error
		if pod, err = n.client.CoreV1().Pods(namespace).Get(context.Background(), podName, metav1.GetOptions{}); err != nil {
			return nil, nil, err
		}
	}
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return pod, &pod.Spec.Containers[i], nil
		}
	}
	for i := range pod.Spec.EphemeralContainers {
		if pod.Spec.EphemeralContainers[i].Name == name {
			return pod, (*corev1.Container)(&pod.Spec.EphemeralContainers[i].EphemeralContainerCommon), nil
		}
	}
	return nil, nil, fmt.Errorf("container %q not found in pod %s/%s", name, namespace, podName)
}

func (n *node) serveExec(w http.ResponseWriter, req *http.Request) {
	namespace, podName, containerName, ok := parsePath(req.URL.Path)
	if !ok {
		http.NotFound(w, req)
		return
	}
	options, err := streaming.NewOptions(req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	pod, _, err := n.container(namespace, podName, containerName)
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	command := req.URL.Query()["command"]
	streaming.ServeExec(w, req, executor{n}, namespace+"/"+podName, pod.UID, containerName, command, options, 4*time.Hour, 30*time.Second, []string{"v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"})
}

func (n *node) serveAttach(w http.ResponseWriter, req *http.Request) {
	namespace, podName, containerName, ok := parsePath(req.URL.Path)
	if !ok {
		http.NotFound(w, req)
		return
	}
	options, err := streaming.NewOptions(req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	pod, _, err := n.container(namespace, podName, containerName)
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	streaming.ServeAttach(w, req, executor{n}, namespace+"/"+podName, pod.UID, containerName, options, 4*time.Hour, 30*time.Second, []string{"v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"})
}

func (n *node) serveLogs(w http.ResponseWriter, req *http.Request) {
	namespace, podName, containerName, ok := parsePath("/x" + strings.TrimPrefix(req.URL.Path, "/containerLogs"))
	if !ok {
		http.NotFound(w, req)
		return
	}
	if _, _, err := n.container(namespace, podName, containerName); err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	if req.URL.Query().Get("previous") == "true" {
		// No container here ever restarts: the kubelet's answer when there is no previous one.
		writeError(w, http.StatusBadRequest, fmt.Sprintf("previous terminated container %q in pod %q not found", containerName, podName))
		return
	}
	if p := n.proc(namespace, podName, containerName); p != nil {
		p.serveLog(w, req)
		return
	}
	// A container without a command has no main process and so no output of its own.
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "log of %s/%s container %s\n", namespace, podName, containerName)
}

type executor struct{ n *node }

func (e executor) command(name, containerName string, argv []string) (*exec.Cmd, error) {
	namespace, podName, _ := strings.Cut(name, "/")
	_, c, err := e.n.container(namespace, podName, containerName)
	if err != nil {
		return nil, err
	}
	if len(argv) == 0 {
		return nil, errors.New("no command given")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = os.Environ()
	for _, env := range c.Env {
		if env.ValueFrom == nil {
			cmd.Env = append(cmd.Env, env.Name+"="+env.Value)
		}
	}
	if c.WorkingDir != "" {
		cmd.Dir = c.WorkingDir
	}
	// PATH from the pod's env decides where argv[0] is found, as in a container.
	for i := len(cmd.Env) - 1; i >= 0; i-- {
		if path, ok := strings.CutPrefix(cmd.Env[i], "PATH="); ok {
			if resolved, err := lookPath(argv[0], path); err == nil {
				cmd.Path = resolved
				cmd.Err = nil
			}
			break
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return cmd, nil
}

func lookPath(file, path string) (string, error) {
	if strings.Contains(file, "/") {
		return file, nil
	}
	for _, dir := range strings.Split(path, ":") {
		candidate := dir + "/" + file
		if info, err := os.Stat(candidate); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return candidate, nil
		}
	}
	return "", exec.ErrNotFound
}

// startError is what containerd answers when the process cannot start,
// with the exec's id as containerd names it.
func startError(err error) error {
	id := make([]byte, 32)
	_, _ = rand.Read(id)
	return fmt.Errorf("failed to exec in container: failed to start exec %q: OCI runtime exec failed: exec failed: unable to start container process: %w: unknown", hex.EncodeToString(id), err)
}

// writeError answers as the kubelet's go-restful handlers do (WriteError: the message, no newline).
func writeError(w http.ResponseWriter, status int, message string) {
	w.WriteHeader(status)
	_, _ = io.WriteString(w, message)
}

// exitError is what containerd's CRI answers for a non-zero exit.
func exitError(cmd []string, err error) error {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code := exitErr.ExitCode()
		if code < 0 { // killed by a signal: a shell would say 128+n
			if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
				code = 128 + int(status.Signal())
			}
		}
		return &utilexec.CodeExitError{Err: fmt.Errorf("error executing command %v, exit code %d", cmd, code), Code: code}
	}
	return err
}

func (e executor) ExecInContainer(ctx context.Context, name string, _ types.UID, container string, argv []string, in io.Reader, out, errOut io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	cmd, err := e.command(name, container, argv)
	if err != nil {
		return err
	}
	if tty {
		return runTTY(ctx, cmd, argv, in, out, resize)
	}
	var stdin io.WriteCloser
	if in != nil {
		if stdin, err = cmd.StdinPipe(); err != nil {
			return err
		}
	}
	if out != nil {
		cmd.Stdout = out
	}
	if errOut != nil {
		cmd.Stderr = errOut
	}
	if err := cmd.Start(); err != nil {
		return startError(err)
	}
	if stdin != nil {
		// The client's end of stdin closes the process's stdin, as containerd does.
		go func() {
			_, _ = io.Copy(stdin, in)
			_ = stdin.Close()
		}()
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-done:
		}
	}()
	return exitError(argv, cmd.Wait())
}

func runTTY(ctx context.Context, cmd *exec.Cmd, argv []string, in io.Reader, out io.WriteCloser, resize <-chan remotecommand.TerminalSize) error {
	cmd.SysProcAttr = nil // pty.Start makes the session and the controlling terminal
	ptmx, err := pty.Start(cmd)
	if err != nil {
		return startError(err)
	}
	defer ptmx.Close()
	if resize != nil {
		go func() {
			for size := range resize {
				_ = pty.Setsize(ptmx, &pty.Winsize{Rows: size.Height, Cols: size.Width})
			}
		}()
	}
	if in != nil {
		go func() { _, _ = io.Copy(ptmx, in) }()
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		if out != nil {
			_, _ = io.Copy(out, ptmx) // ends with EIO once the last holder of the tty is gone
		} else {
			_, _ = io.Copy(io.Discard, ptmx)
		}
	}()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-done:
		}
	}()
	err = cmd.Wait()
	select {
	case <-copied:
	case <-time.After(2 * time.Second): // a background child still holds the tty
	}
	return exitError(argv, err)
}

// AttachContainer joins the container's main process; a container without
// a command has none, and gets a fresh `sh` instead.
func (e executor) AttachContainer(ctx context.Context, name string, uid types.UID, container string, in io.Reader, out, errOut io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	namespace, podName, _ := strings.Cut(name, "/")
	if p := e.n.proc(namespace, podName, container); p != nil {
		return p.attach(ctx, in, out, errOut, resize)
	}
	return e.ExecInContainer(ctx, name, uid, container, []string{"sh"}, in, out, errOut, tty, resize, 0)
}
