package main

// Main processes: each container with a command in its spec, and each
// ephemeral container, runs one local process for the life of the pod, as a
// runtime runs a container's entrypoint. Its output is kept, line by line
// with the time it was written, for containerLogs; attach joins it.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/remotecommand"
)

type logLine struct {
	at   time.Time
	data []byte // with its newline
}

type attacher struct {
	out, errOut io.Writer
}

type mainProc struct {
	mu        sync.Mutex
	cmd       *exec.Cmd
	ptmx      *os.File
	stdin     io.WriteCloser
	stdinOnce bool
	started   time.Time
	lines     []logLine
	pending   map[string][]byte
	attachers map[int]attacher
	nextID    int
	changed   chan struct{} // closed and replaced whenever a line is added or the process ends
	done      chan struct{}
	exitCode  int
	finished  time.Time
}

// startMain runs argv as the container's main process.
func startMain(c *corev1.Container, argv []string, exited func()) (*mainProc, error) {
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
	p := &mainProc{cmd: cmd, stdinOnce: c.StdinOnce, pending: map[string][]byte{}, attachers: map[int]attacher{}, changed: make(chan struct{}), done: make(chan struct{})}
	var readers []struct {
		stream string
		r      io.Reader
	}
	if c.TTY {
		ptmx, err := pty.Start(cmd)
		if err != nil {
			return nil, err
		}
		p.ptmx = ptmx
		if c.Stdin {
			p.stdin = ptmx
		}
		readers = append(readers, struct {
			stream string
			r      io.Reader
		}{"stdout", ptmx})
	} else {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if c.Stdin {
			in, err := cmd.StdinPipe()
			if err != nil {
				return nil, err
			}
			p.stdin = in
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		errOut, err := cmd.StderrPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		readers = append(readers, struct {
			stream string
			r      io.Reader
		}{"stdout", out}, struct {
			stream string
			r      io.Reader
		}{"stderr", errOut})
	}
	p.started = time.Now()
	var copying sync.WaitGroup
	for _, r := range readers {
		copying.Add(1)
		go func(stream string, r io.Reader) {
			defer copying.Done()
			buf := make([]byte, 32*1024)
			for {
				n, err := r.Read(buf)
				if n > 0 {
					p.write(stream, buf[:n])
				}
				if err != nil {
					return
				}
			}
		}(r.stream, r.r)
	}
	go func() {
		if p.ptmx == nil {
			// Wait closes the pipes: read them to their end first, or the last output is lost.
			copying.Wait()
		}
		err := cmd.Wait()
		p.mu.Lock()
		p.exitCode = 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			p.exitCode = exitErr.ExitCode()
			if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
				p.exitCode = 128 + int(status.Signal())
			}
		}
		p.finished = time.Now()
		close(p.done)
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
		if p.ptmx != nil {
			_ = p.ptmx.Close()
		}
		exited()
	}()
	return p, nil
}

func (p *mainProc) write(stream string, data []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, a := range p.attachers {
		w := a.out
		if stream == "stderr" {
			w = a.errOut
		}
		if w == nil {
			continue
		}
		if _, err := w.Write(data); err != nil {
			delete(p.attachers, id)
		}
	}
	now := time.Now()
	rest := append(p.pending[stream], data...)
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		p.lines = append(p.lines, logLine{at: now, data: append([]byte(nil), rest[:i+1]...)})
		rest = rest[i+1:]
	}
	p.pending[stream] = append([]byte(nil), rest...)
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *mainProc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

func (p *mainProc) kill() {
	if p.cmd.Process != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// state is the container's state for its status.
func (p *mainProc) state(id string) corev1.ContainerState {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running() {
		return corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(p.started)}}
	}
	reason := "Completed"
	if p.exitCode != 0 {
		reason = "Error"
	}
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: int32(p.exitCode), Reason: reason, StartedAt: metav1.NewTime(p.started), FinishedAt: metav1.NewTime(p.finished), ContainerID: id,
	}}
}

// attach joins the process as containerd's CRI does: output from now on;
// stdin into the process; the end of the client's stdin closes the
// process's stdin when the container is stdinOnce, else ends this attach.
func (p *mainProc) attach(ctx context.Context, in io.Reader, out, errOut io.WriteCloser, resize <-chan remotecommand.TerminalSize) error {
	p.mu.Lock()
	if !p.running() {
		p.mu.Unlock()
		return errors.New("cannot attach to a stopped container")
	}
	id := p.nextID
	p.nextID++
	a := attacher{}
	if out != nil {
		a.out = out
	}
	if errOut != nil {
		a.errOut = errOut
	}
	if p.ptmx != nil && a.errOut == nil {
		a.errOut = a.out
	}
	p.attachers[id] = a
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.attachers, id)
		p.mu.Unlock()
	}()
	if resize != nil && p.ptmx != nil {
		go func() {
			for size := range resize {
				_ = pty.Setsize(p.ptmx, &pty.Winsize{Rows: size.Height, Cols: size.Width})
			}
		}()
	}
	stdinEnded := make(chan struct{})
	if in != nil && p.stdin != nil {
		go func() {
			_, _ = io.Copy(p.stdin, in)
			if p.stdinOnce && p.ptmx == nil {
				_ = p.stdin.Close()
				return
			}
			close(stdinEnded)
		}()
	}
	select {
	case <-p.done:
	case <-stdinEnded:
	case <-ctx.Done():
	}
	return nil
}

// serveLog writes the log as the kubelet does for these options.
func (p *mainProc) serveLog(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	timestamps := q.Get("timestamps") == "true"
	follow := q.Get("follow") == "true"
	tail := -1
	if v := q.Get("tailLines"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			tail = n
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	p.mu.Lock()
	next := 0
	if tail >= 0 && tail < len(p.lines) {
		next = len(p.lines) - tail
	}
	for {
		for ; next < len(p.lines); next++ {
			line := p.lines[next]
			if timestamps {
				_, _ = io.WriteString(w, line.at.UTC().Format(time.RFC3339Nano)+" ")
			}
			_, _ = w.Write(line.data)
		}
		if !follow || !p.running() {
			p.mu.Unlock()
			return
		}
		changed := p.changed
		p.mu.Unlock()
		if flusher != nil {
			flusher.Flush()
		}
		select {
		case <-changed:
		case <-req.Context().Done():
			return
		}
		p.mu.Lock()
	}
}

func mainKey(namespace, pod, container string) string {
	return fmt.Sprintf("%s/%s/%s", namespace, pod, container)
}

func podPrefix(namespace, pod string) string {
	return strings.Join([]string{namespace, pod, ""}, "/")
}
