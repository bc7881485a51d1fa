package ctl

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/podd/podd/internal/cli"
	"github.com/podd/podd/podopts"
)

// topWindow is the time between the two samples a CPU rate is taken over.
const topWindow = 500 * time.Millisecond

func topAction(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) == 0 || len(args) > 2 || (args[0] != "pod" && args[0] != "pods" && args[0] != "po") {
		return errors.New("expected 'top pod [NAME]'")
	}
	ns := c.String("namespace")
	if c.Bool("all-namespaces") {
		ns = ""
	}
	cl := newClient(c)
	a, err := cl.Usage(c.Context, ns)
	if err != nil {
		return err
	}
	time.Sleep(topWindow)
	b, err := cl.Usage(c.Context, ns)
	if err != nil {
		return err
	}
	rows := topRows(a, b)
	if len(args) == 2 {
		rows = onlyPod(rows, args[1])
		if len(rows) == 0 {
			return fmt.Errorf("pod %q has no running containers in namespace %q", args[1], c.String("namespace"))
		}
	}
	if len(rows) == 0 {
		fmt.Fprintf(c.App.ErrWriter, "No resources found in %s namespace.\n", c.String("namespace"))
		return nil
	}
	printTop(c.App.Writer, rows, c.Bool("containers"), ns == "")
	return nil
}

// topRow is one container's rate and memory.
type topRow struct {
	namespace, pod, container string
	milli                     int64 // CPU millicores
	workingSet                uint64
}

// topRows pairs the containers of two samples: CPU millicores over the time between them, the
// later working set. A container only in b (started meanwhile) is left out.
func topRows(a, b *podopts.UsageList) []topRow {
	dt := b.Time.Sub(a.Time)
	before := map[[3]string]uint64{}
	for _, p := range a.Pods {
		for _, c := range p.Containers {
			before[[3]string{p.Namespace, p.Name, c.Name}] = c.CPUUsec
		}
	}
	var rows []topRow
	for _, p := range b.Pods {
		for _, c := range p.Containers {
			u0, ok := before[[3]string{p.Namespace, p.Name, c.Name}]
			if !ok || dt <= 0 {
				continue
			}
			var milli int64
			if c.CPUUsec > u0 { // a restart in between starts the counter over
				milli = int64(c.CPUUsec-u0) * 1000 / dt.Microseconds()
			}
			rows = append(rows, topRow{p.Namespace, p.Name, c.Name, milli, c.WorkingSet})
		}
	}
	return rows
}

func onlyPod(rows []topRow, name string) []topRow {
	var out []topRow
	for _, r := range rows {
		if r.pod == name {
			out = append(out, r)
		}
	}
	return out
}

// printTop writes kubectl top pod's table: per pod (the containers summed), or per container.
func printTop(w io.Writer, rows []topRow, containers, allNS bool) {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	defer tw.Flush()
	head := "NAME\tCPU(cores)\tMEMORY(bytes)\t\n"
	if containers {
		head = "POD\tNAME\tCPU(cores)\tMEMORY(bytes)\t\n"
	}
	if allNS {
		head = "NAMESPACE\t" + head
	}
	io.WriteString(tw, head)
	if !containers {
		rows = sumPods(rows)
	}
	for _, r := range rows {
		if allNS {
			fmt.Fprintf(tw, "%s\t", r.namespace)
		}
		if containers {
			fmt.Fprintf(tw, "%s\t%s\t", r.pod, r.container)
		} else {
			fmt.Fprintf(tw, "%s\t", r.pod)
		}
		fmt.Fprintf(tw, "%dm\t%dMi\t\n", r.milli, r.workingSet>>20)
	}
}

func sumPods(rows []topRow) []topRow {
	var out []topRow
	for _, r := range rows {
		if n := len(out); n > 0 && out[n-1].namespace == r.namespace && out[n-1].pod == r.pod {
			out[n-1].milli += r.milli
			out[n-1].workingSet += r.workingSet
			continue
		}
		out = append(out, topRow{namespace: r.namespace, pod: r.pod, milli: r.milli, workingSet: r.workingSet})
	}
	return out
}
