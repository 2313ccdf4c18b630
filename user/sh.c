/*
 * sh: the shell.  Each input line is cut into tokens, parsed by recursive
 * descent into a small tree of commands (program runs, redirections,
 * pipes, sequences, background jobs) and then run by forking.  The shell
 * itself walks ';' lists and runs the builtins cd and exit, so "cd dir; ls"
 * works; everything else runs in a child, which the shell waits for.  A
 * job with '&' runs in a grandchild that init adopts, so the shell never
 * has to reap it.
 *
 * Ctrl-C: while a child runs, a shell reading the console names it the
 * console's foreground job (setfg), so Ctrl-C kills it and everything it
 * started, but not the shell or a '&' job (init's by then).  The kernel
 * takes a job it killed out of the foreground, so when setting the old
 * foreground back does not return the child's pid, Ctrl-C interrupted
 * the line and the shell drops the rest of it.  Grammar:
 *
 *   line     = pipeline { '&' } [ (';' | '&') line ]
 *   pipeline = command [ '|' pipeline ]
 *   command  = '(' line ')' { redir } | { word | redir }
 *   redir    = ('<' | '>') word
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "user/user.h"

#define LINE_MAX   100            /* longest command line */
#define MAX_TOKENS (LINE_MAX + 1) /* every byte a token, plus the end */
#define MAX_NODES  64             /* commands, pipes, redirections ... */

enum node_kind { N_EXEC, N_REDIR, N_PIPE, N_LIST, N_BACK };

struct node {
	enum node_kind kind;
	char **argv;               /* N_EXEC: the words, then 0 */
	struct node *left, *right; /* N_REDIR/N_BACK use left only */
	char *file;                /* N_REDIR: path, how to open it, */
	int mode, fd;              /* and which descriptor it replaces */
};

/* One line's tokens and tree; all reset before each line. */
static char line[LINE_MAX + 2];
static char words[2 * LINE_MAX + 2]; /* each word copied out, NUL-ended */
static int tok_kind[MAX_TOKENS];     /* 'w' for a word, else the symbol */
static char *tok_word[MAX_TOKENS];
static int ntok, pos;
static struct node nodes[MAX_NODES], spare_node;
static int nnodes;
/* Each command's argv, one after the other: its words, then 0. */
static char *argv_pool[MAX_TOKENS + MAX_NODES];
static int nargv;
static char *syntax_error;
static int interactive; /* standard input is the console: Ctrl-C works */

static const char symbols[] = "<>|&;()";

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v';
}

/* Splits line into tokens; words are copied into words[]. */
static void
tokenize(void)
{
	char *s = line, *w = words;

	ntok = 0;
	for (;;) {
		while (is_space(*s))
			s++;
		if (*s == '\0')
			break;
		if (strchr(symbols, *s) != 0) {
			tok_kind[ntok] = *s++;
			tok_word[ntok++] = 0;
			continue;
		}
		tok_kind[ntok] = 'w';
		tok_word[ntok++] = w;
		while (*s != '\0' && !is_space(*s) && strchr(symbols, *s) == 0)
			*w++ = *s++;
		*w++ = '\0';
	}
	tok_kind[ntok] = 0; /* end of line */
	pos = 0;
}

static int
peek(void)
{
	return tok_kind[pos];
}

/* Records the first syntax error only; parsing then winds down. */
static void
fail(char *msg)
{
	if (syntax_error == 0)
		syntax_error = msg;
}

static struct node *
new_node(enum node_kind kind, struct node *left, struct node *right)
{
	struct node *n;

	if (nnodes < MAX_NODES) {
		n = &nodes[nnodes++];
	} else {
		/* Parsing goes on harmlessly into the spare; the line is refused. */
		fail("too many commands on one line");
		n = &spare_node;
	}
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->left = left;
	n->right = right;
	return n;
}

static struct node *parse_line(void);

/* Wraps n in one redirection node per '<' or '>' found at pos. */
static struct node *
parse_redirs(struct node *n)
{
	struct node *r;
	int op;

	while ((op = peek()) == '<' || op == '>') {
		pos++;
		if (peek() != 'w') {
			fail("missing file name after < or >");
			return n;
		}
		r = new_node(N_REDIR, n, 0);
		r->file = tok_word[pos++];
		r->fd = op == '<' ? 0 : 1;
		r->mode = op == '<' ? O_RDONLY : O_WRONLY | O_CREATE | O_TRUNC;
		n = r;
	}
	return n;
}

static struct node *
parse_command(void)
{
	struct node *n, *exec;
	int argc = 0;

	if (peek() == '(') {
		pos++;
		n = parse_line();
		if (peek() != ')')
			fail("missing )");
		else
			pos++;
		return parse_redirs(n);
	}

	/* Words and redirections may come in any order: "cat < in x > out". */
	exec = n = new_node(N_EXEC, 0, 0);
	exec->argv = &argv_pool[nargv];
	for (;;) {
		n = parse_redirs(n);
		if (syntax_error != 0 || peek() != 'w')
			break;
		if (argc == MAXARG) {
			fail("too many arguments");
			break;
		}
		exec->argv[argc++] = tok_word[pos++];
	}
	exec->argv[argc] = 0;
	nargv += argc + 1;
	if (argc == 0)
		fail("missing command");
	return n;
}

static struct node *
parse_pipeline(void)
{
	struct node *n = parse_command();

	if (syntax_error == 0 && peek() == '|') {
		pos++;
		n = new_node(N_PIPE, n, parse_pipeline());
	}
	return n;
}

static struct node *
parse_line(void)
{
	struct node *n = parse_pipeline();
	int sep;

	while (syntax_error == 0 && peek() == '&') {
		pos++;
		n = new_node(N_BACK, n, 0);
	}
	sep = peek();
	if (sep == ';')
		pos++;
	/* After ';' or '&', another command may follow. */
	if (syntax_error == 0 && (sep == ';' || n->kind == N_BACK) &&
	    peek() != 0 && peek() != ')')
		n = new_node(N_LIST, n, parse_line());
	return n;
}

/* Parses the tokens of line; returns 0 for a blank line or an error. */
static struct node *
parse(void)
{
	struct node *n;

	nnodes = 0;
	nargv = 0;
	syntax_error = 0;
	tokenize();
	if (peek() == 0)
		return 0;
	n = parse_line();
	if (syntax_error == 0 && peek() != 0)
		fail("unexpected symbol");
	if (syntax_error != 0) {
		fprintf(2, "sh: syntax error: %s\n", syntax_error);
		return 0;
	}
	return n;
}

static int
fork_or_die(void)
{
	int pid = fork();

	if (pid < 0) {
		fprintf(2, "sh: fork failed\n");
		exit(1);
	}
	return pid;
}

/* Waits for one particular child; returns its exit status. */
static int
wait_for(int pid)
{
	int w, status = -1;

	while ((w = wait(&status)) != pid && w >= 0)
		;
	return status;
}

/* Makes descriptor fd refer to what from refers to, then closes from. */
static void
move_fd(int from, int fd)
{
	if (from == fd)
		return;
	close(fd);
	if (dup(from) != fd) {
		fprintf(2, "sh: cannot set up descriptor %d\n", fd);
		exit(1);
	}
	close(from);
}

/* The builtin exit [STATUS], run by the shell or one of its children. */
static void
exit_builtin(char **argv)
{
	exit(argv[1] ? atoi(argv[1]) : 0);
}

static int
is_builtin(struct node *n, const char *name)
{
	return n->kind == N_EXEC && strcmp(n->argv[0], name) == 0;
}

/* Runs the tree in this (child) process; never returns. */
static void __attribute__((noreturn)) run(struct node *n)
{
	char path[MAXPATH];
	int p[2], left, right, fd;

	switch (n->kind) {
	case N_EXEC:
		if (is_builtin(n, "exit"))
			exit_builtin(n->argv);
		exec(n->argv[0], n->argv);
		/* Programs live in "/", so they still run after a cd. */
		if (strchr(n->argv[0], '/') == 0 &&
		    strlen(n->argv[0]) + 2 <= sizeof(path)) {
			path[0] = '/';
			strcpy(path + 1, n->argv[0]);
			exec(path, n->argv);
		}
		fprintf(2, "exec %s failed\n", n->argv[0]);
		exit(1);
	case N_REDIR:
		if ((fd = open(n->file, n->mode)) < 0) {
			fprintf(2, "open %s failed\n", n->file);
			exit(1);
		}
		move_fd(fd, n->fd);
		run(n->left);
	case N_PIPE:
		if (pipe(p) < 0) {
			fprintf(2, "sh: pipe failed\n");
			exit(1);
		}
		if ((left = fork_or_die()) == 0) {
			close(p[0]);
			move_fd(p[1], 1);
			run(n->left);
		}
		if ((right = fork_or_die()) == 0) {
			close(p[1]);
			move_fd(p[0], 0);
			run(n->right);
		}
		close(p[0]);
		close(p[1]);
		wait_for(left);
		exit(wait_for(right));
	case N_LIST:
		if (is_builtin(n->left, "exit")) /* ends this subshell */
			exit_builtin(n->left->argv);
		if ((left = fork_or_die()) == 0)
			run(n->left);
		wait_for(left);
		run(n->right);
	case N_BACK:
		if (fork_or_die() == 0)
			run(n->left);
		exit(0);
	}
	exit(1); /* not reached: every kind is handled above */
}

static void
change_dir(char **argv)
{
	if (argv[1] == 0 || argv[2] != 0) {
		fprintf(2, "usage: cd directory\n");
		return;
	}
	if (chdir(argv[1]) < 0)
		fprintf(2, "cannot cd %s\n", argv[1]);
}

/*
 * Runs n in a child in the console's foreground and waits for it; returns
 * 1 if Ctrl-C killed it (the kernel then took it out of the foreground).
 */
static int
run_in_front(struct node *n)
{
	int pid, prev = -1;

	if ((pid = fork()) < 0) {
		fprintf(2, "sh: fork failed\n");
		return 0;
	}
	if (pid == 0)
		run(n);
	if (interactive)
		prev = setfg(pid);
	wait_for(pid);
	return prev >= 0 && setfg(prev) != pid;
}

/*
 * Runs a parsed line from the shell process itself; returns 1 if Ctrl-C
 * interrupted it, and then runs nothing more of it.
 */
static int
run_top(struct node *n)
{
	if (n->kind == N_LIST)
		return run_top(n->left) || run_top(n->right);
	if (is_builtin(n, "cd")) {
		change_dir(n->argv);
		return 0;
	}
	if (is_builtin(n, "exit"))
		exit_builtin(n->argv);
	return run_in_front(n);
}

/* Is standard input the console (a device), not a file or a pipe? */
static int
reads_console(void)
{
	struct stat st;

	return fstat(0, &st) == 0 && st.type == T_DEVICE;
}

/*
 * Prompts and reads one line into line[]; returns 0 at end of input.
 * A line too long for the buffer is read to its end and skipped.
 */
static int
read_line(void)
{
	int len, ended, toolong = 0;

	for (;;) {
		if (!toolong)
			write(2, "$ ", 2);
		gets(line, sizeof(line));
		len = strlen(line);
		if (len == 0)
			return 0;
		ended = line[len - 1] == '\n' || line[len - 1] == '\r';
		if (ended)
			line[--len] = '\0';
		if (toolong) {
			toolong = !ended;
			continue;
		}
		/* Without a newline: the input's last line, or too long. */
		if (ended || len <= LINE_MAX)
			return 1;
		fprintf(2, "sh: line longer than %d characters\n", LINE_MAX);
		toolong = 1;
	}
}

int
main(void)
{
	struct node *tree;
	int fd;

	/* Make sure descriptors 0, 1 and 2 are open, on the console. */
	while ((fd = open("console", O_RDWR)) >= 0) {
		if (fd > 2) {
			close(fd);
			break;
		}
	}
	interactive = reads_console();

	while (read_line())
		if ((tree = parse()) != 0)
			run_top(tree);
	exit(0);
}
