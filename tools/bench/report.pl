#!/usr/bin/perl
# report.pl -- turn the raw outputs bench.sh collected into bench.json and a
# table on stdout.
#
#   report.pl WORKDIR JSON_OUT
#
# WORKDIR holds host.env and one traceN/ folder per trace with trace.env,
# como.{out,time}, pmacctd.{csv,log,time}, tshark.{out,time}.
#
# Definitions (all per trace):
#   packets         what the tool itself counted: como's "packets"; the sum
#                   of pmacctd's per-destination PACKETS; for tshark the IP
#                   packets in its endpoint tables (the Packets column counts
#                   each packet at its source and its destination, so /2).
#   expected        the independent count it should match: every frame for
#                   como (capinfos), the frames carrying IPv4/IPv6 for the
#                   per-destination peers (a separate tshark pass); for
#                   pmacctd less the IP frames it does not decode (the IP
#                   header behind an 802.1ad tag, a pseudowire, a tunnel...:
#                   it reads them and counts nothing), listed in its
#                   evidence and in a note.
#   complete        packets == expected.  tshark's endpoint tables count a
#                   tunnelled packet once per IP header, so they can exceed
#                   the IP frame count: it is also complete when its io,stat
#                   frame count equals the trace's frame count, or does once
#                   the frames its frame tap skips are added (ICMP errors
#                   whose quoted packet is cut short; bench.sh counts them
#                   in its reference pass).
#   pps             trace frames / wall seconds when complete (the whole file
#                   went through), else counted packets / wall seconds.
#   cpu_us_per_pkt  (user + sys, with children) / the same packet count.
#   ratios          como pps / peer pps; peer CPU per packet / como CPU per
#                   packet.  Null, with a note, when either side is
#                   incomplete or failed.
#   export          como's export per epoch, per module, in ns (each module's
#                   export(), action() and store() run in a worker process,
#                   user/comod/export.c), from the -j summary: the whole
#                   epoch, the module's own code, storing its records, and
#                   the rest, isolation's share (the table copied into shared
#                   memory, the round trip to the worker, its records
#                   checked), as a mean and a median (which a busy machine
#                   disturbs least).  From como's run (the modules' own
#                   intervals) and from a run with 10 ms intervals
#                   (export.{out,time}), which makes thousands of epochs.
#   nfpcapd         nfpcapd -r then nfdump -A dstip, measured as one command;
#                   packets = the sum of nfdump's per-destination packets;
#                   expected = the IP frames less the fragments after a
#                   datagram's first (nfpcapd reassembles: a datagram is one
#                   packet) and the frames whose IP header it does not reach
#                   (802.1ad tags), both from the reference pass.
#   intervals       the sparse trace only: como's run at the modules' default
#                   intervals against the same run with interval=1h
#                   (como1h.{out,time}): cpu_default_over_1h.
#   cores           the first trace only: como under taskset -c 0 and -c 0,1,
#                   every round; pps medians and their ratio; identical: the
#                   stored results (como query -f csv, every module) of every
#                   run are the same bytes.
#   modules         the first trace only: bpf.ns_per_pkt (--bpf-stats) of each
#                   module alone and of all together, medians of the rounds;
#                   baseline = the dispatcher with a module that does
#                   nothing (tests/modules/nop: como cannot run without a
#                   module), or the cheapest module alone if that run is
#                   missing; above_baseline = a module's - that.
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

sub kv_file {    # key=value, one a line
    my ($f) = @_;
    my $s = slurp($f) // return undef;
    my %h = map { /^(\w+)=(.*)$/ ? ($1, $2) : () } split /\n/, $s;
    return \%h;
}

sub kv_line {    # key=value pairs on one line (measure.pl's result)
    my ($f) = @_;
    my $s = slurp($f) // return undef;
    my %h = $s =~ /(\w+)=(\S+)/g;
    return \%h;
}

sub num { my ($x, $fmt) = @_; return undef unless defined $x; return 0 + sprintf($fmt, $x) }

sub timing {     # measure.pl's result, or an error string
    my ($f) = @_;
    my $t = kv_line($f) or return (undef, 'not run (no timing)');
    my $cpu = $t->{user_s} + $t->{sys_s};
    my %r = (wall_s => num($t->{wall_s}, '%.3f'), cpu_s => num($cpu, '%.2f'),
             user_s => num($t->{user_s}, '%.2f'), sys_s => num($t->{sys_s}, '%.2f'),
             rc => 0 + $t->{rc});
    return (\%r, $t->{rc} == 124 ? 'timed out' : $t->{rc} != 0 ? "exit status $t->{rc}" : undef);
}

my %raw;

sub json_result {    # the JSON summary como printed on stdout, or undef
    my ($f) = @_;
    my $out = slurp($f) // '';
    return undef unless $out =~ /\S/;
    my $j = eval { JSON::PP->new->decode($out) };
    if (!$j) {    # the last line that is a JSON object
        for my $l (reverse split /\n/, $out) {
            next unless $l =~ /^\s*\{/;
            $j = eval { JSON::PP->new->decode($l) } and last;
        }
    }
    return ref $j eq 'HASH' ? $j : undef;
}

my @export_keys = qw(epochs ns_per_epoch module_ns_per_epoch store_ns_per_epoch
                     overhead_ns_per_epoch overhead_ns_median max_ns);

sub export_figures {    # each module's export figures in a -j summary
    my ($j) = @_;
    my %m;
    for my $mod (@{ $j->{modules} // [] }) {
        my $e = $mod->{export};
        next unless ref $e eq 'HASH';
        $m{$mod->{name}} = { map { $_ => $e->{$_} } grep { exists $e->{$_} } @export_keys };
        $m{$mod->{name}}{lost_epochs} = $mod->{lost_epochs} if $mod->{lost_epochs};
        $m{$mod->{name}}{stopped} = $mod->{stopped} if $mod->{stopped};
    }
    return \%m;
}

sub tail_of {    # the last 300 characters of a file, trimmed
    my $e = slurp($_[0]) // '';
    $e =~ s/\s+$//;
    $e = substr($e, -300) if length $e > 300;
    return $e;
}

sub median {
    my @v = sort { $a <=> $b } grep { defined } @_;
    return undef unless @v;
    return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

# Fill pps and cpu_us_per_pkt from packets/expected/complete and the timing.
sub rates {
    my ($r, $frames) = @_;
    my $n = $r->{complete} ? $frames : $r->{packets};
    if ($n && $r->{wall_s} && $r->{wall_s} > 0) {
        $r->{pps} = num($n / $r->{wall_s}, '%.1f');
        $r->{cpu_us_per_pkt} = num($r->{cpu_s} * 1e6 / $n, '%.4f');
        $raw{$r} = [ $n / $r->{wall_s}, $r->{cpu_s} / $n ];   # unrounded, for ratios
    } else {
        $r->{pps} = undef;
        $r->{cpu_us_per_pkt} = undef;
    }
}

my $host = kv_file("$work/host.env") or die "$work/host.env missing\n";
my $failed = 0;
my @traces;

for my $d (sort { ($a =~ /(\d+)$/)[0] <=> ($b =~ /(\d+)$/)[0] } glob "$work/trace*") {
    my $te = kv_file("$d/trace.env") or next;
    my $kind = $te->{kind} // 'given';
    my $frames = 0 + $te->{packets};
    my $ipf = 0 + $te->{ip_packets};
    my %tools;

    # --- como ---------------------------------------------------------------
    {
        my ($t, $err) = timing("$d/como.time");
        my %r = (expected => $frames, $t ? %$t : ());
        my $j = json_result("$d/como.out");
        if (ref $j eq 'HASH' && defined $j->{packets}) {
            $r{packets} = 0 + $j->{packets};
            $r{ns_per_pkt} = ref $j->{bpf} eq 'HASH' ? $j->{bpf}{ns_per_pkt} : undef;
            $r{export} = export_figures($j);
            $r{reported} = $j;
        } else {
            $err //= 'no JSON result on stdout';
            $r{packets} = undef;
        }
        if ($err) {
            my $e = slurp("$d/como.err") // '';
            $e =~ s/\s+$//;
            $e = substr($e, -300) if length $e > 300;
            $r{error} = $err . ($e ne '' ? ": $e" : '');
            $failed = 1;
        }
        $r{complete} = defined $r{packets} && $r{packets} == $frames && !$r{error}
            ? JSON::PP::true : JSON::PP::false;
        rates(\%r, $frames);
        $tools{como} = \%r;
    }

    # --- como with interval=1h (the sparse trace) -----------------------------
    my %intervals;
    if (-f "$d/como1h.time") {
        my ($t, $err) = timing("$d/como1h.time");
        my %r = (expected => $frames, $t ? %$t : ());
        my $j = json_result("$d/como1h.out");
        if ($j && defined $j->{packets}) {
            $r{packets} = 0 + $j->{packets};
            $r{epochs} = $j->{epochs};
            $r{ns_per_pkt} = ref $j->{bpf} eq 'HASH' ? $j->{bpf}{ns_per_pkt} : undef;
        } else {
            $err //= 'no JSON result on stdout';
        }
        if ($err) {
            my $e = tail_of("$d/como1h.err");
            $r{error} = $err . ($e ne '' ? ": $e" : '');
            $failed = 1;
        }
        $r{complete} = defined $r{packets} && $r{packets} == $frames && !$r{error}
            ? JSON::PP::true : JSON::PP::false;
        rates(\%r, $frames);
        $tools{como_1h} = \%r;
        my $c = $tools{como};
        %intervals = (
            default_cpu_s => $c->{cpu_s}, interval_1h_cpu_s => $r{cpu_s},
            default_epochs => ref $c->{reported} eq 'HASH' ? $c->{reported}{epochs} : undef,
            interval_1h_epochs => $r{epochs},
            default_mpps => defined $c->{pps} ? num($c->{pps} / 1e6, '%.3f') : undef,
            interval_1h_mpps => defined $r{pps} ? num($r{pps} / 1e6, '%.3f') : undef,
            cpu_default_over_1h => undef,
            target => 'cpu_default_over_1h <= 1.5 and default_mpps >= 2 (issue 16)',
        );
        if ($c->{complete} && $r{complete} && $r{cpu_s}) {
            $intervals{cpu_default_over_1h} = num($c->{cpu_s} / $r{cpu_s}, '%.2f');
        } elsif ($c->{complete} && $r{complete}) {
            $intervals{note} = 'the 1h run\'s CPU time is below the clock resolution';
        } else {
            $intervals{note} = 'a run did not count every packet: no ratio';
        }
    }

    # --- como on 1 core and on 2 (the first trace) ----------------------------
    my %cores;
    if (-f "$d/cores/skipped") {
        %cores = (skipped => (kv_file("$d/cores/skipped") // {})->{skipped});
    } elsif (-d "$d/cores") {
        my (%runs, %sums, $bad);
        for my $tf (sort glob("$d/cores/cores*.time")) {
            my ($n, $round) = basename($tf) =~ /^cores(\d+)-(\d+)\.time$/ or next;
            my $set = join ',', 0 .. $n - 1;    # taskset -c 0, -c 0,1
            (my $base = $tf) =~ s/\.time$//;
            my ($t, $err) = timing($tf);
            my $j = json_result("$base.out");
            my %r = (round => 0 + $round, $t ? %$t : ());
            $r{packets} = $j ? $j->{packets} : undef;
            $r{complete} = $j && defined $j->{packets} && $j->{packets} == $frames && !$err
                ? JSON::PP::true : JSON::PP::false;
            $r{error} = $err . ': ' . tail_of("$base.err") if $err;
            $r{error} //= 'no JSON result on stdout' unless $j;
            $r{pps} = $r{complete} && $r{wall_s} ? num($frames / $r{wall_s}, '%.1f') : undef;
            chomp(my $sum = slurp("$base.md5") // '');
            $r{results_md5} = $sum;
            $bad = 1 if !$r{complete} || $sum eq ''
                || (slurp("$base.csv") // '') =~ /^# query failed/m;
            $sums{$sum}++;
            push @{ $runs{$set} }, \%r;
        }
        my %by;
        for my $set (sort keys %runs) {
            my @ok = grep { $_->{complete} } @{ $runs{$set} };
            $by{$set} = {
                rounds => $runs{$set},
                pps => num(median(map { $_->{pps} } @ok), '%.1f'),
                cpu_s => num(median(map { $_->{cpu_s} } @ok), '%.2f'),
                wall_s => num(median(map { $_->{wall_s} } @ok), '%.3f'),
            };
        }
        %cores = (cpus => \%by, target => 'pps_2_over_1 >= 1.7 (issue 16)');
        my ($one, $two) = ($by{'0'}, $by{'0,1'});
        $cores{pps_2_over_1} = $one && $two && $one->{pps} && $two->{pps}
            ? num($two->{pps} / $one->{pps}, '%.2f') : undef;
        $cores{identical} = !$bad && keys %sums == 1 ? JSON::PP::true : JSON::PP::false;
        $cores{note} = 'not every run counted every packet or stored results' if $bad;
        if (keys %sums > 1) {
            my @each = map {
                my %u = map { $_->{results_md5} => 1 } @{ $runs{$_} };
                sprintf '%d under -c %s', scalar(keys %u), $_
            } sort keys %runs;
            $cores{note} //= 'the stored results differ: ' . scalar(keys %sums)
                . ' different outputs of como query -f csv (' . join(', ', @each)
                . '); raw/*/cores/ keeps the first round\'s of each core count';
        }
    }

    # --- in-kernel ns per packet of each module (the first trace) -------------
    my %modules;
    if (-f "$d/modules/list") {
        my @names = grep { length } split /\n/, slurp("$d/modules/list");
        my %m;
        for my $name (@names, 'ALL', 'DISPATCHER') {
            my (@ns, $complete);
            $complete = 1;
            for my $o (sort glob("$d/modules/$name-*.out")) {
                my $j = json_result($o);
                if (!$j || ref $j->{bpf} ne 'HASH' || !defined $j->{packets}
                    || $j->{packets} != $frames) {
                    $complete = 0;
                    next;
                }
                push @ns, $j->{bpf}{ns_per_pkt};
            }
            $m{$name} = {
                ns_per_pkt => num(median(@ns), '%.1f'),
                ns_per_pkt_all => [ map { num($_, '%.1f') } @ns ],
                complete => $complete && @ns ? JSON::PP::true : JSON::PP::false,
            };
        }
        my $all = delete $m{ALL};
        my $disp = delete $m{DISPATCHER};
        my ($base, $base_ns, $base_is);
        if (defined $disp->{ns_per_pkt}) {
            ($base, $base_ns) = ('dispatcher', $disp->{ns_per_pkt});
            $base_is = 'the dispatcher with tests/modules/nop, a module that does '
                . 'nothing (como cannot run without a module)';
        } else {
            ($base) = sort { $m{$a}{ns_per_pkt} <=> $m{$b}{ns_per_pkt} }
                grep { defined $m{$_}{ns_per_pkt} } keys %m;
            $base_ns = defined $base ? $m{$base}{ns_per_pkt} : undef;
            $base_is = 'the cheapest module alone (the dispatcher\'s run is missing); '
                . 'the baseline includes that module\'s own cost';
        }
        for my $name (keys %m) {
            next unless defined $base_ns && defined $m{$name}{ns_per_pkt};
            $m{$name}{above_baseline_ns} = num($m{$name}{ns_per_pkt} - $base_ns, '%.1f');
        }
        %modules = (
            alone => \%m, all => $all, modules => \@names, baseline => $base,
            dispatcher => $disp, baseline_is => $base_is,
            target => 'all together < 250 ns, each counting module < 20 ns above the '
                . 'dispatcher (issue 13); --bpf-stats itself adds about 20 ns',
        );
    }

    # --- como's export per epoch, 10 ms intervals ----------------------------
    my %export = (interval_ms => 10);
    if (-f "$d/export.time") {
        my ($t, $err) = timing("$d/export.time");
        my $j = json_result("$d/export.out");
        if ($j && !$err) {
            $export{modules} = export_figures($j);
            $export{packets} = $j->{packets};
        } else {
            my $e = slurp("$d/export.err") // '';
            $e =~ s/\s+$//;
            $e = substr($e, -300) if length $e > 300;
            $export{error} = ($err // 'no JSON result on stdout') . ($e ne '' ? ": $e" : '');
            $failed = 1;
        }
    } else {
        $export{skipped} = $kind eq 'sparse' ? 'not on the sparse trace' : 'not run';
    }

    # --- pmacctd ------------------------------------------------------------
    if (-f "$d/pmacctd.conf") {
        my ($t, $err) = timing("$d/pmacctd.time");
        my $undec = 0 + ($te->{pmacctd_undecoded} // 0);
        my %r = (expected => $ipf - $undec, $t ? %$t : ());
        my ($sum, $rows, $col) = (0, 0, undef);
        if (open my $fh, '<', "$d/pmacctd.csv") {
            while (my $l = <$fh>) {
                chomp $l;
                my @f = split /,/, $l;
                if (!defined $col) {
                    ($col) = grep { $f[$_] eq 'PACKETS' } 0 .. $#f;
                    next;
                }
                next if $f[0] eq 'DST_IP';
                $sum += $f[$col];
                $rows++;
            }
        } else {
            $err //= 'no output file';
        }
        $err //= 'no PACKETS column in output' unless defined $col;
        my $log = slurp("$d/pmacctd.log") // '';
        my %ev = (
            destinations => $rows,
            purges => scalar(() = $log =~ /Purging cache - START/g),
            exited_ok => ($log =~ /OK, Exiting/ ? JSON::PP::true : JSON::PP::false),
            cache_full => ($log =~ /Finished cache entries/ ? JSON::PP::true : JSON::PP::false),
            missing_data => scalar(() = $log =~ /Missing data detected/g),
        );
        ($ev{startup_sleep_s}) = $log =~ /sleeping for (\d+) seconds/;
        $ev{startup_sleep_s} += 0 if defined $ev{startup_sleep_s};
        ($ev{cache_entries}) = $log =~ /cache entries=(\d+)/;
        $ev{cache_entries} += 0 if defined $ev{cache_entries};
        $ev{errors} = [ map { s/^\S+\s+//r } grep { /\bERROR\b/ } split /\n/, $log ];
        # one line per run: a run that lost data in the plugin pipe is
        # followed by one with a bigger pipe; the last one is reported.
        my @att;
        for my $l (split /\n/, slurp("$d/pmacctd.attempts") // '') {
            my %a = $l =~ /(\w+)=(\S+)/g;
            push @att, {
                plugin_pipe_size => 0 + $a{plugin_pipe_size},
                plugin_buffer_size => 0 + $a{plugin_buffer_size},
                packets => 0 + $a{packets},
                missing_data => 0 + $a{missing_data},
                wall_s => num($a{wall_s}, '%.3f'),
                cpu_s => num(($a{user_s} // 0) + ($a{sys_s} // 0), '%.2f'),
            };
        }
        $ev{attempts} = \@att;
        if (@att) {
            $ev{plugin_pipe_size} = $att[-1]{plugin_pipe_size};
            $ev{plugin_buffer_size} = $att[-1]{plugin_buffer_size};
        }
        $ev{ip_packets_not_decoded} = $undec;
        $ev{not_decoded_by_encapsulation} = {
            map { /^(.*)=(\d+)$/ ? ($1 => 0 + $2) : () }
            split /;/, $te->{pmacctd_undecoded_by} // ''
        };
        $r{evidence} = \%ev;
        $r{packets} = defined $col ? $sum : undef;
        if ($err) { $r{error} = $err; $failed = 1 }
        $r{complete} = defined $r{packets} && $r{packets} == $r{expected} && !$r{error}
            ? JSON::PP::true : JSON::PP::false;
        rates(\%r, $frames);
        $tools{pmacctd} = \%r;
    } else {
        $tools{pmacctd} = { skipped => ($host->{peers} // 'pmacctd') =~ /\bpmacctd\b/
            ? 'pmacctd not installed' : 'not in BENCH_PEERS' };
    }

    # --- tshark -------------------------------------------------------------
    if (!-f "$d/tshark.time") {
        $tools{tshark} = { skipped => 'not in BENCH_PEERS' };
    } else {
        my ($t, $err) = timing("$d/tshark.time");
        my %r = (expected => $ipf, $t ? %$t : ());
        my $out = slurp("$d/tshark.out") // '';
        my ($io_frames) = $out =~ /<>[^|\n]*\|\s*(\d+)\s*\|/;
        my ($sec, %ep) = ('');
        for my $l (split /\n/, $out) {
            if ($l =~ /^(IPv4|IPv6) Endpoints/) { $sec = $1; $ep{$sec} //= 0; next }
            if ($l =~ /^=+$/) { $sec = ''; next }
            next unless $sec;
            $ep{$sec} += $1 if $l =~ /^\S+\s+(\d+)\s/ && $l !~ /^Filter:/;
        }
        my $ep_pk = ($ep{IPv4} // 0) + ($ep{IPv6} // 0);
        $err //= 'no endpoint tables in output' unless exists $ep{IPv4} && exists $ep{IPv6};
        $r{packets} = $ep_pk / 2;
        $r{evidence} = {
            io_stat_frames => defined $io_frames ? 0 + $io_frames : undef,
            endpoint_packets_ipv4 => $ep{IPv4} // 0,
            endpoint_packets_ipv6 => $ep{IPv6} // 0,
        };
        if ($err) { $r{error} = $err; $failed = 1 }
        my $skipped = 0 + ($te->{tap_skipped} // 0);
        $r{evidence}{frames_tap_skips} = $skipped;
        my $ok = !$r{error} && ($r{packets} == $ipf
            || (defined $io_frames && $io_frames == $frames)
            || (defined $io_frames && $io_frames + $skipped == $frames));
        $r{complete} = $ok ? JSON::PP::true : JSON::PP::false;
        rates(\%r, $frames);
        $tools{tshark} = \%r;
    }

    # --- nfpcapd + nfdump ---------------------------------------------------
    if (-f "$d/nfpcapd.time") {
        my ($t, $err) = timing("$d/nfpcapd.time");
        my $frag = 0 + ($te->{ip_fragments_not_first} // 0);
        my $undec = 0 + ($te->{nfpcapd_undecoded} // 0);
        my %r = (expected => $ipf - $frag - $undec, $t ? %$t : ());
        my ($sum, $rows) = (0, 0);
        if (open my $fh, '<', "$d/nfdump.out") {
            while (my $l = <$fh>) {
                next unless $l =~ /^\s*(\S+)\s+(\d+)\s*$/;
                $sum += $2;
                $rows++;
            }
        } else {
            $err //= 'no output';
        }
        $err //= 'no records in nfdump\'s output' unless $rows;
        my $log = slurp("$d/nfpcapd.log") // '';
        my %ev = (destinations => $rows, ip_fragments_not_first => $frag,
                  ip_packets_not_decoded => $undec,
                  nfcapd_files => 0 + ((kv_file("$d/nfpcapd.env") // {})->{files} // 0));
        if ($log =~ /Total: Processed:\s*(\d+),\s*skipped:\s*(\d+),\s*short caplen:\s*(\d+),\s*unknown:\s*(\d+)/) {
            @ev{qw(processed skipped short_caplen unknown)} = map { 0 + $_ } ($1, $2, $3, $4);
        }
        $ev{not_decoded_by_encapsulation} = {
            map { /^(.*)=(\d+)$/ ? ($1 => 0 + $2) : () }
            split /;/, $te->{nfpcapd_undecoded_by} // ''
        };
        $r{evidence} = \%ev;
        $r{packets} = $rows ? $sum : undef;
        if ($err) {
            my $e = tail_of("$d/nfdump.err");
            $r{error} = $err . ($e ne '' ? ": $e" : '');
            $failed = 1;
        }
        $r{complete} = defined $r{packets} && $r{packets} == $r{expected} && !$r{error}
            ? JSON::PP::true : JSON::PP::false;
        rates(\%r, $frames);
        $tools{nfpcapd} = \%r;
    } else {
        $tools{nfpcapd} = { skipped => ($host->{peers} // 'nfpcapd') =~ /\bnfpcapd\b/
            ? 'nfpcapd not installed' : 'not in BENCH_PEERS' };
    }

    # --- ratios -------------------------------------------------------------
    my (%ratios, @notes);
    my $c = $tools{como};
    for my $peer (qw(pmacctd tshark nfpcapd)) {
        my $p = $tools{$peer};
        my ($pps, $cpu) = ("pps_como_over_$peer", "cpu_${peer}_over_como");
        $ratios{$pps} = $ratios{$cpu} = undef;
        if ($p->{skipped}) { push @notes, "$peer: $p->{skipped}"; next }
        if ($p->{error}) { push @notes, "$peer: $p->{error}"; next }
        if ($c->{error}) { next }
        if (!$p->{complete}) {
            my @why;
            if (my $ev = $p->{evidence}) {
                push @why, 'data lost in its plugin pipe' if $ev->{missing_data};
                push @why, 'its cache filled up' if $ev->{cache_full};
                push @why, "it purged $ev->{purges} times" if ($ev->{purges} // 1) > 1;
                push @why, "it says it skipped $ev->{skipped} and processed $ev->{processed} frames"
                    if $peer eq 'nfpcapd' && defined $ev->{processed};
            }
            push @notes, sprintf "%s incomplete: counted %s of %s%s", $peer,
                $p->{packets} // 'none', $p->{expected},
                @why ? ' (' . join('; ', @why) . ')' : '';
            next;
        }
        if (!$c->{complete}) { next }
        my ($cr, $pr) = ($raw{$c}, $raw{$p});
        next unless $cr && $pr;
        $ratios{$pps} = num($cr->[0] / $pr->[0], '%.3f') if $pr->[0] > 0;
        if ($cr->[1] > 0) {
            $ratios{$cpu} = num($pr->[1] / $cr->[1], '%.3f');
        } else {
            push @notes, "$peer: como's CPU time is below the clock resolution, no CPU ratio";
        }
    }
    if (my $ev = $tools{pmacctd}{evidence}) {
        if ($ev->{ip_packets_not_decoded}) {
            my $by = $ev->{not_decoded_by_encapsulation};
            push @notes, sprintf "pmacctd's expected count leaves out %d IP packets it does not "
                . "decode (by encapsulation before the IP header: %s)",
                $ev->{ip_packets_not_decoded}, join ', ', map { "$_ $by->{$_}" }
                sort { $by->{$b} <=> $by->{$a} } keys %$by;
        }
    }
    if (my $ev = $tools{nfpcapd}{evidence}) {
        if ($ev->{ip_fragments_not_first} || $ev->{ip_packets_not_decoded}) {
            my $by = $ev->{not_decoded_by_encapsulation};
            push @notes, sprintf "nfpcapd's expected count leaves out %d IP fragments after a "
                . "datagram's first (it reassembles) and %d IP packets it does not decode%s",
                $ev->{ip_fragments_not_first}, $ev->{ip_packets_not_decoded},
                %$by ? ' (' . join(', ', map { "$_ $by->{$_}" }
                    sort { $by->{$b} <=> $by->{$a} } keys %$by) . ')' : '';
        }
    }
    if ($c->{error}) {
        unshift @notes, "como: $c->{error}";
    } elsif (!$c->{complete}) {
        unshift @notes, sprintf "como incomplete: counted %s of %s",
            $c->{packets} // 'none', $frames;
    }
    $ratios{notes} = \@notes;

    push @traces, {
        file => $te->{file},
        packets => $frames,
        ip_packets => $ipf,
        tshark_tap_skipped => 0 + ($te->{tap_skipped} // 0),
        pmacctd_not_decoded => 0 + ($te->{pmacctd_undecoded} // 0),
        distinct_dst => 0 + $te->{distinct_dst},
        tools => \%tools,
        ratios => \%ratios,
        export => \%export,
        kind => $kind,
        (%intervals ? (intervals => \%intervals) : ()),
        (%cores ? (cores => \%cores) : ()),
        (%modules ? (modules_in_kernel => \%modules) : ()),
    };
}

my %doc = (
    date => $host->{date},
    host => { nproc => 0 + $host->{nproc}, kernel => $host->{kernel}, cpu => $host->{cpu} },
    versions => { tshark => $host->{tshark}, pmacctd => $host->{pmacctd},
                  nfdump => $host->{nfdump} },
    peers => $host->{peers},
    reps => defined $host->{reps} ? 0 + $host->{reps} : undef,
    timeout_s => 0 + $host->{timeout_s},
    traces => \@traces,
);
# ingest and query latency over a week of stored records (query.sh)
my $query = eval { decode_json(slurp("$work/query.json") // '') };
$doc{query} = $query if $query;
open my $jf, '>', "$json_out.tmp" or die "$json_out: $!\n";
print $jf JSON::PP->new->pretty->canonical->encode(\%doc);
close $jf or die "$json_out: $!\n";
rename "$json_out.tmp", $json_out or die "$json_out: $!\n";

# --- table -------------------------------------------------------------------
my @hdr = ('trace', 'tool', 'packets', 'expected', 'complete', 'wall_s', 'cpu_s',
           'pps', 'cpu_us/pkt', 'bpf_ns/pkt', 'como_x_pps', 'como_x_cpu');
my @rows;
sub f { my ($v, $fmt) = @_; defined $v ? sprintf($fmt, $v) : '-' }
for my $t (@traces) {
    my $name = basename($t->{file});
    for my $tool (qw(como como_1h pmacctd tshark nfpcapd)) {
        my $r = $t->{tools}{$tool} or next;
        if ($r->{skipped}) { push @rows, [$name, $tool, ('-') x 2, 'skipped', ('-') x 7]; next }
        my $st = $r->{error} ? 'error' : $r->{complete} ? 'yes' : 'NO';
        my ($xp, $xc) = ('', '');
        if ($tool !~ /^como/) {
            $xp = f($t->{ratios}{"pps_como_over_$tool"}, '%.2f');
            $xc = f($t->{ratios}{"cpu_${tool}_over_como"}, '%.2f');
        }
        push @rows, [$name, $tool, f($r->{packets}, '%d'), f($r->{expected}, '%d'), $st,
            f($r->{wall_s}, '%.3f'), f($r->{cpu_s}, '%.2f'), f($r->{pps}, '%d'),
            f($r->{cpu_us_per_pkt}, '%.3f'), $tool =~ /^como/ ? f($r->{ns_per_pkt}, '%.1f') : '',
            $xp, $xc];
    }
}
my @w = map { length } @hdr;
for my $r (@rows) { $w[$_] = length $r->[$_] > $w[$_] ? length $r->[$_] : $w[$_] for 0 .. $#$r }
my $line = sub {
    my @c = @_;
    join('  ', map { $_ < 2 ? sprintf('%-*s', $w[$_], $c[$_]) : sprintf('%*s', $w[$_], $c[$_]) } 0 .. $#c) . "\n";
};
print $line->(@hdr);
print $line->(map { '-' x $_ } @w);
print $line->(@$_) for @rows;
print "\ncomo_x_pps = como pps / peer pps; como_x_cpu = peer CPU per packet / como CPU per packet.\n";
print "expected = frames in the trace for como, frames carrying IPv4/IPv6 for the peers\n";
print "  (for pmacctd and nfpcapd, less those they do not decode or reassemble: see the notes);\n";
print "  como_1h = como with interval=1h for all three modules (the sparse trace).\n";
print "  issue 16's target: como_x_cpu >= 5 against nfpcapd.\n";
for my $t (@traces) {
    print basename($t->{file}), ": $_\n" for @{ $t->{ratios}{notes} };
}

# --- sparse trace, cores, modules ---------------------------------------------
for my $t (@traces) {
    my $name = basename($t->{file});
    if (my $iv = $t->{intervals}) {
        printf "\n%s, default intervals against interval=1h (target: <= 1.5x, >= 2 Mpps):\n", $name;
        printf "  CPU %s s (%s epochs) against %s s (%s epochs): %sx; whole run %s Mpps (1h: %s)%s\n",
            f($iv->{default_cpu_s}, '%.2f'), f($iv->{default_epochs}, '%d'),
            f($iv->{interval_1h_cpu_s}, '%.2f'), f($iv->{interval_1h_epochs}, '%d'),
            f($iv->{cpu_default_over_1h}, '%.2f'), f($iv->{default_mpps}, '%.3f'),
            f($iv->{interval_1h_mpps}, '%.3f'), $iv->{note} ? "  ($iv->{note})" : '';
        # the same figure as the table's, in the issue's terms (target <= 0.2)
        my $cu = $t->{tools}{como}{cpu_us_per_pkt};
        printf "  como's CPU per packet (%s us) over %s (target against nfpcapd: <= 0.2)\n",
            f($cu, '%.3f'), join(', ', map {
                my $x = $t->{ratios}{"cpu_${_}_over_como"};
                sprintf '%s\'s: %s', $_, defined $x && $x > 0 ? sprintf('%.2f', 1 / $x) : '-'
            } grep { !$t->{tools}{$_}{skipped} } qw(nfpcapd tshark pmacctd));
    }
    if (my $c = $t->{cores}) {
        printf "\n%s, como on 1 core and on 2 (taskset; median of rounds; target >= 1.7x):\n", $name;
        if ($c->{skipped}) {
            print "  skipped: $c->{skipped}\n";
        } else {
            for my $set (sort keys %{ $c->{cpus} }) {
                my $s = $c->{cpus}{$set};
                printf "  taskset -c %-4s %10s pps  wall %s s  cpu %s s  (%d rounds)\n", $set,
                    f($s->{pps}, '%d'), f($s->{wall_s}, '%.3f'), f($s->{cpu_s}, '%.2f'),
                    scalar @{ $s->{rounds} };
            }
            printf "  2 cores / 1 core: %sx; results %s%s\n", f($c->{pps_2_over_1}, '%.2f'),
                $c->{identical} ? 'identical' : 'NOT IDENTICAL', $c->{note} ? " ($c->{note})" : '';
        }
    }
    if (my $m = $t->{modules_in_kernel}) {
        printf "\n%s, in-kernel ns per packet (--bpf-stats, median of rounds; targets: all < 250,\n"
            . "each counting module < 20 above the dispatcher):\n", $name;
        printf "  %-12s       %7s ns  (the baseline: with nop, a module that does nothing)\n",
            'dispatcher', f($m->{dispatcher}{ns_per_pkt}, '%.1f')
            if $m->{dispatcher} && defined $m->{dispatcher}{ns_per_pkt};
        for my $mod (@{ $m->{modules} }) {
            my $e = $m->{alone}{$mod};
            printf "  %-12s alone %7s ns  %s\n", $mod, f($e->{ns_per_pkt}, '%.1f'),
                !defined $m->{baseline} ? '' : $mod eq $m->{baseline} ? '(the baseline)'
                : sprintf('%s ns above the baseline', f($e->{above_baseline_ns}, '%+.1f'));
        }
        printf "  %-12s       %7s ns  (%s)\n", 'all together', f($m->{all}{ns_per_pkt}, '%.1f'),
            join(' ', @{ $m->{modules} });
        print "  baseline: $m->{baseline_is}\n" if defined $m->{baseline};
        my @inc = grep { !$m->{alone}{$_}{complete} } @{ $m->{modules} };
        push @inc, 'all together' if $m->{all} && !$m->{all}{complete};
        print "  not every round counted every packet or gave figures: @inc\n" if @inc;
    }
}

# --- export per epoch --------------------------------------------------------
my @ehdr = ('trace', 'intervals', 'module', 'epochs', 'ns/epoch', 'module_ns', 'store_ns',
            'isolation_ns', 'isolation_median');
my @erows;
for my $t (@traces) {
    my $name = basename($t->{file});
    for my $run (['own', $t->{tools}{como}{export}], ['10ms', $t->{export}{modules}]) {
        my ($ivl, $m) = @$run;
        if (!$m) {
            my $why = $t->{export}{error} // $t->{export}{skipped} // 'no figures';
            push @erows, [$name, $ivl, $why, ('-') x 6];
            next;
        }
        for my $mod (sort keys %$m) {
            my $e = $m->{$mod};
            push @erows, [$name, $ivl, $mod, f($e->{epochs}, '%d'), f($e->{ns_per_epoch}, '%d'),
                f($e->{module_ns_per_epoch}, '%d'), f($e->{store_ns_per_epoch}, '%d'),
                f($e->{overhead_ns_per_epoch}, '%d'), f($e->{overhead_ns_median}, '%d')];
        }
    }
}
if (@erows) {
    my @ew = map { length } @ehdr;
    for my $r (@erows) { $ew[$_] = length $r->[$_] > $ew[$_] ? length $r->[$_] : $ew[$_] for 0 .. $#$r }
    my $eline = sub {
        my @c = @_;
        join('  ', map { $_ < 3 ? sprintf('%-*s', $ew[$_], $c[$_]) : sprintf('%*s', $ew[$_], $c[$_]) } 0 .. $#c) . "\n";
    };
    print "\nexport per epoch, in ns: each module's export(), action() and store() run in a\n";
    print "worker process; isolation = the epoch less the module's code and the storing (the\n";
    print "table copied to shared memory, the round trip, the records checked); intervals:\n";
    print "the modules' own (the run above), or 10 ms.\n";
    print $eline->(@ehdr);
    print $eline->(map { '-' x $_ } @ew);
    print $eline->(@$_) for @erows;
}

# --- ingest and query latency ------------------------------------------------
if ($query) {
    my ($tr, $in) = ($query->{trace}, $query->{ingest});
    printf "\ningest and query latency over stored records (query.sh): %d days at %d pps,\n"
        . "%d packets, %d flows; como run -m topdest -m flows, default intervals\n",
        @$tr{qw(days pps packets flows)};
    printf "  ingest: %s records (%s) in %s s wall, %s s CPU: %s records/s, %s MB/s"
        . " (%s bytes a record on disk)%s\n",
        f($in->{records}, '%d'), join(', ', map { "$_ $in->{records_by_module}{$_}" }
            sort keys %{ $in->{records_by_module} // {} }),
        f($in->{wall_s}, '%.2f'), f($in->{cpu_s}, '%.2f'), f($in->{records_per_s}, '%d'),
        f($in->{mb_per_s}, '%.2f'), f($in->{bytes_per_record}, '%.1f'),
        $in->{complete} ? '' : '  (NOT COMPLETE: not every packet counted)';
    print "  latency in ms over random windows (targets: p99 < 10 for 5 minutes, < 200 for 24 hours)\n";
    printf "  %-10s %8s %7s %9s %9s %9s %9s %9s\n", 'module', 'window', 'windows', 'records',
        'cli p50', 'cli p99', 'http p50', 'http p99';
    for my $l (@{ $query->{latency} // [] }) {
        printf "  %-10s %8s %7d %9s %9s %9s %9s %9s%s\n", $l->{module},
            $l->{window_s} == 300 ? '5 min' : $l->{window_s} == 86400 ? '24 h' : "$l->{window_s} s",
            $l->{windows}, f($l->{records_p50}, '%d'),
            f($l->{cli}{p50_ms}, '%.1f'), f($l->{cli}{p99_ms}, '%.1f'),
            f($l->{http}{p50_ms}, '%.1f'), f($l->{http}{p99_ms}, '%.1f'),
            $l->{failures} ? "  FAILURES: $l->{failures}[0]" : '';
    }
}
exit($failed ? 1 : 0);
