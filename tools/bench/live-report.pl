#!/usr/bin/perl
# live-report.pl -- turn what live.sh collected into live.json and a table.
#
#   live-report.pl WORKDIR JSON_OUT
#
# WORKDIR holds host.env, veth-end.env, filter.env, live/NN/ (one folder per
# traffic run: run.env, before.env, after.env, sender.time, replay1.out
# [replay2.out], como.{out,err,rc}, tcpdump.{err,rc}) and filter/ (K.filter,
# K-R.out: variant K, round R).
#
# Definitions, per traffic run:
#   sent          tcpreplay's own count ("Actual: N packets"), summed over
#                 senders; pps = sent / the longest sender's "sent in S
#                 seconds".
#   counted       como: "packets" from its -j summary; tcpdump: "packets
#                 captured".  loss_pct = (sent - counted) / sent * 100.
#   cpu_s         the tool's utime + stime (/proc/PID/stat, all threads) from
#                 when it was ready to just before SIGINT: the traffic and
#                 SETTLE_S after it.  comod's -j cpu_s is kept as json_cpu_s.
#   softirq_s     system-wide softirq time over the same window (/proc/stat);
#                 veth's NAPI, XDP and the AF_PACKET tap run there.  The
#                 machine is shared: other work adds to it.  Per packet
#                 sent: softirq_us_per_pkt.
#   sender_cpu_s  tcpreplay's user + sys (measure.pl; includes its -K preload
#                 of the trace).
#   veth_drops    vb's tx_dropped: frames the veth could not hand to va
#                 (XDP ring or backlog full), lost before any capture.
#   backlog_drops /proc/net/softnet_stat's dropped column, all CPUs.
#   va_rx_dropped frames the stack discarded after capture (no handler for
#                 their ethertype): not capture loss.
use strict;
use warnings;
use JSON::PP;
use File::Basename qw(basename);

my ($work, $json_out) = @ARGV;
die "usage: $0 WORKDIR JSON_OUT\n" unless defined $json_out;

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or return undef;
    local $/;
    my $s = <$fh>;
    return $s;
}

sub kv_file {
    my ($f) = @_;
    my $s = slurp($f) // return undef;
    my %h = map { /^(\w+)=(.*)$/ ? ($1, $2) : () } split /\n/, $s;
    return \%h;
}

sub kv_line {
    my ($f) = @_;
    my $s = slurp($f) // return undef;
    my %h = $s =~ /(\w+)=(\S+)/g;
    return \%h;
}

sub num { my ($x, $fmt) = @_; return undef unless defined $x; return 0 + sprintf($fmt, $x) }

sub json_line {    # the last line of a file that parses as a JSON object
    my ($f) = @_;
    my $s = slurp($f) // return undef;
    for my $l (reverse split /\n/, $s) {
        next unless $l =~ /^\s*\{/;
        my $j = eval { decode_json($l) };
        return $j if $j;
    }
    return undef;
}

sub median {
    my @v = sort { $a <=> $b } grep { defined } @_;
    return undef unless @v;
    return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

my $host = kv_file("$work/host.env") // {};
my $clk = $host->{clk_tck} || 100;
my @notes;

# --- live runs -----------------------------------------------------------------

my @runs;
for my $d (sort glob("$work/live/*")) {
    next unless -d $d;
    my $run = kv_file("$d/run.env") or next;
    my $b = kv_file("$d/before.env");
    my $a = kv_file("$d/after.env");
    my %r = (target => $run->{target}, mode => $run->{mode}, senders => 0 + $run->{senders},
             limit => 0 + $run->{limit});
    my $label = $run->{target} =~ /^\d+$/ ? "$run->{target} pps" : $run->{target};
    unless ($b && $a) {
        $r{error} = 'the capture did not start';
        push @notes, "$label, $run->{mode}: the capture did not start";
        push @runs, \%r;
        next;
    }
    my ($sent, $secs, $failed) = (0, 0, 0);
    my $nrep = 0;
    my @each;
    for my $f (sort glob("$d/replay*.out")) {
        my $s = slurp($f) // '';
        if ($s =~ /Actual: (\d+) packets \((\d+) bytes\) sent in ([\d.]+) seconds/) {
            $sent += $1;
            $secs = $3 if $3 > $secs;
            push @each, 0 + $3;
            $nrep++;
        }
        $failed += $1 if $s =~ /Failed packets:\s+(\d+)/;
    }
    if ($nrep != $r{senders}) {
        push @notes, "$label, $run->{mode}: tcpreplay's count is missing (see raw-live/)";
        $r{error} = 'tcpreplay did not report';
    }
    $r{sent} = $sent;
    $r{send_s} = num($secs, '%.3f');
    $r{send_s_each} = \@each;    # two senders: pps assumes they overlapped
    $r{pps} = $secs > 0 ? num($sent / $secs, '%.0f') : undef;
    $r{send_failed} = $failed;
    $r{window_s} = num($a->{t} - $b->{t}, '%.3f');
    $r{softirq_s} = num(($a->{cpu_softirq} - $b->{cpu_softirq}) / $clk, '%.2f');
    $r{softirq_us_per_pkt} = $sent > 0 ? num(1e6 * $r{softirq_s} / $sent, '%.2f') : undef;
    $r{irq_s} = num(($a->{cpu_irq} - $b->{cpu_irq}) / $clk, '%.2f');
    $r{machine_busy_s} = num((($a->{cpu_total} - $b->{cpu_total})
                              - ($a->{cpu_idle} - $b->{cpu_idle})) / $clk, '%.2f');
    my $st = kv_line("$d/sender.time");
    if ($st) {
        $r{sender_cpu_s} = num($st->{user_s} + $st->{sys_s}, '%.2f');
        $r{sender_wall_s} = num($st->{wall_s}, '%.3f');
        $r{sender_rc} = 0 + $st->{rc};
    }
    $r{veth_drops} = $a->{vb_tx_dropped} - $b->{vb_tx_dropped};
    $r{backlog_drops} = $a->{softnet_dropped} - $b->{softnet_dropped};
    $r{backlog_squeezed} = $a->{softnet_squeezed} - $b->{softnet_squeezed};
    $r{va_rx_packets} = $a->{va_rx_packets} - $b->{va_rx_packets};
    $r{va_rx_dropped} = $a->{va_rx_dropped} - $b->{va_rx_dropped};
    $r{va_tx_packets} = $a->{va_tx_packets} - $b->{va_tx_packets};

    if ($run->{mode} eq 'como' || $run->{mode} eq 'both') {
        my %c;
        my $j = json_line("$d/como.out");
        $c{rc} = 0 + (slurp("$d/como.rc") // 255);
        if ($j) {
            $c{counted} = 0 + $j->{packets};
            $c{json_cpu_s} = num($j->{cpu_s}, '%.3f');
            $c{complete} = $j->{complete} ? JSON::PP::true : JSON::PP::false
                if exists $j->{complete};
            $c{bpf} = $j->{bpf} if $j->{bpf};
            $c{bpf_ns_per_pkt} = num($j->{bpf}{ns_per_pkt}, '%.1f') if $j->{bpf};
            $c{modules} = { map { $_->{name} => 0 + $_->{pkts} } @{ $j->{modules} || [] } };
        } else {
            $c{error} = 'no JSON summary: ' . ((slurp("$d/como.err") // '') =~ s/\s+/ /gr);
            push @notes, "$label, $run->{mode}: comod printed no summary (rc $c{rc})";
        }
        if (defined $a->{comod_ticks} && defined $b->{comod_ticks}) {
            $c{cpu_s} = num(($a->{comod_ticks} - $b->{comod_ticks}) / $clk, '%.2f');
        }
        $r{como} = \%c;
    }
    if ($run->{mode} eq 'tcpdump' || $run->{mode} eq 'both') {
        my %t;
        my $e = slurp("$d/tcpdump.err") // '';
        $t{rc} = 0 + (slurp("$d/tcpdump.rc") // 255);
        $t{counted} = 0 + $1 if $e =~ /(\d+) packets? captured/;
        $t{received_by_filter} = 0 + $1 if $e =~ /(\d+) packets? received by filter/;
        $t{dropped_by_kernel} = 0 + $1 if $e =~ /(\d+) packets? dropped by kernel/;
        unless (defined $t{counted}) {
            $t{error} = 'no statistics: ' . ($e =~ s/\s+/ /gr);
            push @notes, "$label, $run->{mode}: tcpdump printed no statistics (rc $t{rc})";
        }
        if (defined $a->{tcpdump_ticks} && defined $b->{tcpdump_ticks}) {
            $t{cpu_s} = num(($a->{tcpdump_ticks} - $b->{tcpdump_ticks}) / $clk, '%.2f');
        }
        $r{tcpdump} = \%t;
    }
    for my $tool (qw(como tcpdump)) {
        my $t = $r{$tool} or next;
        next unless defined $t->{counted} && $sent > 0;
        $t->{loss_pct} = num(100 * ($sent - $t->{counted}) / $sent, '%.3f');
        $t->{cpu_us_per_pkt} = num(1e6 * $t->{cpu_s} / $t->{counted}, '%.3f')
            if defined $t->{cpu_s} && $t->{counted} > 0;
    }
    push @runs, \%r;
}

# The sender's achieved rate with a capture attached, as a ratio of its rate
# with nothing attached at the same target (mode none).
my @sender;
{
    my (%none, @targets);
    for my $r (@runs) {
        push @targets, $r->{target} unless grep { $_ eq $r->{target} } @targets;
        $none{$r->{target}} = $r->{pps} if $r->{mode} eq 'none' && !$r->{error};
    }
    for my $tg (@targets) {
        my %s = (target => $tg, none_pps => $none{$tg});
        for my $r (grep { $_->{target} eq $tg && $_->{mode} ne 'none' } @runs) {
            $s{"$r->{mode}_pps"} = $r->{pps};
            my $ok = $none{$tg} && $r->{pps} && !$r->{error};
            $r->{sender_rate_vs_none} = $ok ? num($r->{pps} / $none{$tg}, '%.3f') : undef;
            $s{"$r->{mode}_over_none"} = $r->{sender_rate_vs_none};
        }
        # what como adds to what any XDP program costs the veth sender
        $s{como_over_xdppass} = num($s{como_pps} / $s{xdppass_pps}, '%.3f')
            if $s{como_pps} && $s{xdppass_pps};
        push @sender, \%s if defined $none{$tg};
    }
    my @low = grep { defined $_->{como_over_none} && $_->{como_over_none} < 0.9 } @sender;
    push @notes, sprintf("the sender with como attached reached under 90%% of its rate with "
        . "nothing attached at %d of %d steps (%s)", scalar @low, scalar @sender,
        join(', ', map { sprintf '%s: %.0f%%', $_->{target}, 100 * $_->{como_over_none} } @low))
        if @low;
    push @notes, sprintf("the sender with como attached reached at least 90%% of its rate with "
        . "nothing attached at every step (%d)", scalar @sender)
        if @sender && !@low && !grep { !defined $_->{como_over_none} } @sender;
}

# Where loss starts, per tool and mode (in the order the rates were run).
for my $mode (qw(como tcpdump both)) {
    for my $tool (qw(como tcpdump)) {
        my @l = grep { $_->{mode} eq $mode && $_->{$tool} && defined $_->{$tool}{loss_pct} } @runs;
        next unless @l;
        my ($first) = grep { $_->{$tool}{loss_pct} > 0 } @l;
        my $how = $mode eq 'both' ? 'capturing together with the other' : 'capturing alone';
        if ($first) {
            push @notes, sprintf("%s %s: first loss at target %s (%.0f pps achieved): %d of %d "
                . "(%.3f%%)%s", $tool, $how, $first->{target}, $first->{pps} // 0,
                $first->{sent} - $first->{$tool}{counted}, $first->{sent}, $first->{$tool}{loss_pct},
                defined $first->{$tool}{dropped_by_kernel}
                    ? ", $first->{$tool}{dropped_by_kernel} dropped by kernel" : '');
        } else {
            my $max = 0;
            for (@l) { $max = $_->{pps} if ($_->{pps} // 0) > $max }
            push @notes, sprintf("%s %s: no loss up to %.0f pps achieved", $tool, $how, $max);
        }
    }
}
for my $r (@runs) {
    next unless $r->{target} =~ /^\d+$/ && $r->{pps};
    push @notes, sprintf("target %s pps, %s: tcpreplay reached only %.0f pps", $r->{target},
        $r->{mode}, $r->{pps}) if $r->{pps} < 0.95 * $r->{target};
}
my @leak = grep { ($_->{va_tx_packets} // 0) > 0 } @runs;
push @notes, 'va sent frames of its own during ' . scalar(@leak) . ' runs (expected none)' if @leak;

# --- filter cost -----------------------------------------------------------------

my $fenv = kv_file("$work/filter.env") // {};
my @variants;
for my $ff (sort { (basename($a) =~ /^(\d+)/)[0] <=> (basename($b) =~ /^(\d+)/)[0] }
            glob("$work/filter/*.filter")) {
    my ($k) = basename($ff) =~ /^(\d+)/;
    chomp(my $expr = slurp($ff) // '');
    my (@ns, @pk, $packets, $cnt);
    for my $o (sort glob("$work/filter/$k-*.out")) {
        my $j = json_line($o) or next;
        next unless $j->{bpf};
        push @ns, $j->{bpf}{ns_per_pkt};
        $packets = 0 + $j->{packets};
        ($cnt) = map { 0 + $_->{pkts} } grep { $_->{name} eq 'counter' } @{ $j->{modules} || [] };
    }
    push @variants, {
        modules => 'counter', filter => ($expr eq '' ? undef : $expr),
        runs => scalar(@ns), packets => $packets, matched => $cnt,
        ns_per_pkt => num(median(@ns), '%.1f'),
        ns_per_pkt_min => @ns ? num((sort { $a <=> $b } @ns)[0], '%.1f') : undef,
        ns_per_pkt_all => [ map { num($_, '%.1f') } @ns ],
    };
}
my $base = @variants ? $variants[0]{ns_per_pkt} : undef;
for my $v (@variants[1 .. $#variants]) {
    next unless defined $base && defined $v->{ns_per_pkt};
    $v->{cost_ns_per_pkt} = num($v->{ns_per_pkt} - $base, '%.1f');
}
push @notes, 'filter cost = ns per packet with the filter - without; a filter that rejects a '
    . 'packet also saves the counter update for it, so this is the filter net of that saving'
    if @variants > 1;

# --- output ----------------------------------------------------------------------

my %out = (
    host => $host,
    live => {
        setup => 'one veth pair (va, vb) in a network namespace of its own; tcpreplay -K '
            . '--loop=0 --limit from vb of a gentrace -n 100000 -c 1600 trace (full-size frames, '
            . 'MTU 1600); como = comod -i va -m counter -m protocol -m topdest (XDP, native), '
            . 'tcpdump = tcpdump -i va -w /dev/null (AF_PACKET, TPACKET_V3); mode como/tcpdump: '
            . 'that tool alone, both: the two on the same traffic at once (XDP_PASS hands every '
            . 'frame on to the stack, where AF_PACKET sees it)',
        runs => \@runs,
        sender_rate => {
            what => 'tcpreplay\'s achieved rate with a capture attached / its rate with '
                . 'nothing attached (mode none) at the same target, the runs one after the other',
            target => 'como_over_none >= 0.9 at every step (issue 16)',
            xdppass => 'an XDP program that only returns XDP_PASS (tools/bench/xdp_pass.bpf.c): '
                . 'what attaching XDP costs the veth sender by itself; como_over_xdppass is '
                . 'what como\'s programs cost beyond it',
            steps => \@sender,
        },
        veth_end => kv_file("$work/veth-end.env"),
    },
    filter_cost => {
        trace => $fenv->{file},
        command => 'como run --trace FILE -d DIR --bpf-stats -j -m counter [-F FILTER]',
        variants => \@variants,
    },
    notes => \@notes,
);
open my $jf, '>', $json_out or die "$json_out: $!\n";
print $jf JSON::PP->new->canonical->pretty->encode(\%out);
close $jf;

sub fmt { my ($f, $v) = @_; return defined $v ? sprintf($f, $v) : '-' }

printf "live capture, veth in a namespace (%s CPUs, kernel %s); sent = tcpreplay's count\n",
    $host->{nproc} // '?', $host->{kernel} // '?';
my @h = ('target', 'mode', 'tool', 'sent', 'kpps', 'vs_none', 'counted', 'loss%', 'kdrop', 'cpu_s',
         'us/pkt', 'bpf_ns', 'softirq_s', 'sirq_us', 'sender_s', 'veth_drop');
my $fmt = "%-9s %-7s %-7s %8s %6s %7s %8s %7s %6s %6s %6s %6s %9s %7s %8s %9s\n";
printf $fmt, @h;
for my $r (@runs) {
    my $tgt = $r->{target} =~ /^(\d+)$/ ? ($1 % 1000 ? $1 : ($1 / 1000) . 'k') : $r->{target};
    for my $tool (qw(como tcpdump)) {
        my $t = $r->{$tool} or next;
        printf $fmt, $tgt, $r->{mode}, $tool, fmt('%d', $r->{sent}),
            fmt('%.1f', defined $r->{pps} ? $r->{pps} / 1000 : undef),
            fmt('%.1f%%', defined $r->{sender_rate_vs_none} ? 100 * $r->{sender_rate_vs_none} : undef),
            fmt('%d', $t->{counted}),
            fmt('%.3f', $t->{loss_pct}), fmt('%d', $t->{dropped_by_kernel}),
            fmt('%.2f', $t->{cpu_s}), fmt('%.2f', $t->{cpu_us_per_pkt}),
            fmt('%.0f', $t->{bpf_ns_per_pkt}), fmt('%.2f', $r->{softirq_s}),
            fmt('%.2f', $r->{softirq_us_per_pkt}), fmt('%.2f', $r->{sender_cpu_s}), fmt('%d', $r->{veth_drops});
    }
    if (($r->{mode} eq 'none' || $r->{mode} eq 'xdppass') && !$r->{error}) {
        printf $fmt, $tgt, $r->{mode}, '-', fmt('%d', $r->{sent}),
            fmt('%.1f', defined $r->{pps} ? $r->{pps} / 1000 : undef),
            fmt('%.1f%%', defined $r->{sender_rate_vs_none} ? 100 * $r->{sender_rate_vs_none} : undef),
            ('-') x 6,
            fmt('%.2f', $r->{softirq_s}), fmt('%.2f', $r->{softirq_us_per_pkt}),
            fmt('%.2f', $r->{sender_cpu_s}), fmt('%d', $r->{veth_drops});
    } elsif (!$r->{como} && !$r->{tcpdump}) {
        printf "%-9s %-7s %s\n", $tgt, $r->{mode}, $r->{error} // 'no result';
    }
}
print "(cpu_s: the tool's own user+sys over the run, us/pkt = cpu_s / counted; bpf_ns: comod's\n"
    . " --bpf-stats ns per XDP run; softirq_s: system-wide softirq time over the run, where veth's\n"
    . " XDP and the AF_PACKET tap run (shared machine: noisy), sirq_us per packet sent; sender_s:\n"
    . " tcpreplay's CPU, busy-waiting when paced; veth_drop: frames lost before any capture;\n"
    . " vs_none: the sender's achieved rate / its rate with nothing attached (mode none) at the\n"
    . " same target (issue 16's target: >= 90% with como);\n"
    . " mode both: como and tcpdump on the same traffic at once, run-level columns shared)\n"
    if @runs;
if (@sender) {
    print "\nsender's achieved rate with a capture attached / with nothing attached (target: como >= 90%)\n";
    for my $s (@sender) {
        printf "  %-9s none %7s kpps  %s\n", $s->{target}, fmt('%.1f', $s->{none_pps} / 1000),
            join('  ', map { sprintf '%s %s', $_, fmt('%.1f%%', defined $s->{"${_}_over_none"}
                ? 100 * $s->{"${_}_over_none"} : undef) }
                grep { exists $s->{"${_}_pps"} } qw(xdppass como tcpdump both))
            . (defined $s->{como_over_xdppass}
                ? sprintf('  como/xdppass %.1f%%', 100 * $s->{como_over_xdppass}) : '');
    }
}
print "\nin-kernel cost of a filter, offline ($fenv->{file}), median of rounds\n" if @variants;
for my $v (@variants) {
    printf "  %-52s %7s ns/pkt  %s  matched %s of %s\n",
        defined $v->{filter} ? "-m counter -F \"$v->{filter}\"" : '-m counter',
        fmt('%.1f', $v->{ns_per_pkt}),
        defined $v->{cost_ns_per_pkt} ? sprintf('(%+.1f)', $v->{cost_ns_per_pkt}) : '       ',
        fmt('%d', $v->{matched}), fmt('%d', $v->{packets});
}
if (@notes) {
    print "\nnotes:\n";
    print "  - $_\n" for @notes;
}
