package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envAnnotation links a flag to its TASKBOT_* variable.
const envAnnotation = "taskbot_env"

// withEnv records that flag name may also come from the variable env; the
// flag's help shows the variable so that --help documents both.
func withEnv(fs *pflag.FlagSet, name, env string) {
	f := fs.Lookup(name)
	if f == nil {
		panic("withEnv: no flag " + name)
	}
	_ = fs.SetAnnotation(name, envAnnotation, []string{env})
	f.Usage = fmt.Sprintf("%s [$%s]", f.Usage, env)
}

// applyEnv fills every flag not given on the command line from its
// variable, so that a flag always wins over the environment.
func applyEnv(cmd *cobra.Command) error {
	var firstErr error
	visit := func(f *pflag.Flag) {
		envs := f.Annotations[envAnnotation]
		if len(envs) == 0 || f.Changed {
			return
		}
		v, ok := os.LookupEnv(envs[0])
		if !ok || firstErr != nil {
			return
		}
		if err := f.Value.Set(v); err != nil {
			firstErr = fmt.Errorf("%s=%q: %w", envs[0], v, err)
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	return firstErr
}

// common are the options every subcommand shares.
type common struct {
	DB        string
	LogLevel  string
	LogFormat string
}

func (c *common) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.DB, "db", "taskbot.db", "database: a SQLite file path, or a postgres:// URL")
	withEnv(fs, "db", "TASKBOT_DB")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	withEnv(fs, "log-level", "TASKBOT_LOG_LEVEL")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	withEnv(fs, "log-format", "TASKBOT_LOG_FORMAT")
}

func (c *common) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", c.LogLevel, err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.LogFormat) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", c.LogFormat)
}
