#!/usr/bin/perl
# measure.pl -- run a command and report its wall time and the CPU time
# (user + sys) of the command and of every process it started.
#
#   measure.pl [-t TIMEOUT_S] RESULT_FILE -- COMMAND [ARGS...]
#
# The command's stdin/stdout/stderr are inherited.  When it is done,
# RESULT_FILE gets one line:  wall_s=W user_s=U sys_s=S rc=R
# (rc is the exit status, 128+N when killed by signal N, 124 on timeout).
#
# Why not /usr/bin/time: it reports only what the command itself reaped.
# pmacctd's plugin runs as a child process that may outlive the core
# process or never be waited for, and its CPU time would then be lost.
# This helper makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER),
# so orphaned descendants are re-parented to it, and it waits for all of
# them before it reads its children's CPU time with times(2) (10 ms ticks).
use strict;
use warnings;
use POSIX qw(:sys_wait_h setpgid);
use Time::HiRes qw(time sleep);

my $timeout = 0;
if (@ARGV >= 2 && $ARGV[0] eq '-t') { shift; $timeout = shift; }
my $result = shift or die "usage: $0 [-t TIMEOUT_S] RESULT_FILE -- COMMAND...\n";
shift if @ARGV && $ARGV[0] eq '--';
@ARGV or die "usage: $0 [-t TIMEOUT_S] RESULT_FILE -- COMMAND...\n";

# prctl(PR_SET_CHILD_SUBREAPER, 1); SYS_prctl is 157 on x86_64, 172 on
# aarch64/generic.  Failure only means orphans' CPU time may be missed.
my $SYS_prctl = (POSIX::uname())[4] =~ /^(x86_64|amd64)$/ ? 157 : 172;
my $subreaper = syscall($SYS_prctl, 36, 1, 0, 0, 0) == 0;
warn "measure.pl: cannot become a child subreaper: $!\n" unless $subreaper;

my (undef, undef, $cu0, $cs0) = times;
my $t0 = time;
my $pid = fork;
die "fork: $!\n" unless defined $pid;
if ($pid == 0) {
    setpgid(0, 0);
    exec { $ARGV[0] } @ARGV or do { warn "exec $ARGV[0]: $!\n"; POSIX::_exit(127) };
}
setpgid($pid, $pid);    # both sides, to win the race

my $rc;
my $timed_out = 0;
local $SIG{ALRM} = sub {
    $timed_out = 1;
    kill "TERM", -$pid;        # our own process group only
    sleep 2;
    kill "KILL", -$pid;
};
alarm($timeout) if $timeout > 0;
# The command runs in its own process group (so that a timeout can end all of
# it): pass on an interrupt meant for us, then wait for it as usual.
my $interrupted = 0;
for my $sig (qw(INT TERM HUP)) {
    $SIG{$sig} = sub { $interrupted ||= $sig; kill $sig, -$pid; };
}
# Reap the command and every orphan re-parented to us, until none is left.
while (1) {
    my $w = waitpid(-1, 0);
    if ($w == $pid) {
        $rc = WIFEXITED($?) ? WEXITSTATUS($?) : 128 + WTERMSIG($?);
    }
    last if $w < 0 && $!{ECHILD};
}
alarm(0);
my $t1 = time;
my (undef, undef, $cu1, $cs1) = times;
$rc = 124 if $timed_out;
$rc = 127 unless defined $rc;
open my $fh, '>', $result or die "$result: $!\n";
printf $fh "wall_s=%.6f user_s=%.2f sys_s=%.2f rc=%d\n",
    $t1 - $t0, $cu1 - $cu0, $cs1 - $cs0, $rc;
close $fh;
if ($interrupted) {
    $SIG{$interrupted} = 'DEFAULT';
    kill $interrupted, $$;
}
exit($rc > 255 ? 255 : $rc);
