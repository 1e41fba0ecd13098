"""Network situations: VPN, Wi-Fi, connectivity, firewall and DNS."""

from __future__ import annotations

from generating.situations.base import situation

# situation(id, subcategory, impacts, summary, short, bodies, group=, request=, voice=, **slots)
NETWORK = [
    # ---- VPN
    situation(
        "net-vpn-drops",
        "VPN",
        "ut",
        "VPN disconnects every {minutes} minutes for a remote user",
        ["vpn keeps dropping", "vpn drops every {minutes} min", "vpn disconnecting"],
        [
            "My VPN keeps disconnecting every {minutes} minutes and I have to log back in each time.",
            "Working from home and {vpn} kicks me out roughly every {minutes} minutes.",
            "The VPN tunnel falls over every few minutes since {since}, which kills my {app} session each time.",
        ],
        error=[
            "The VPN connection was terminated by the remote peer.",
            "Status: Disconnected\nReason: The VPN connection was terminated by the remote peer (error 412)",
        ],
    ),
    situation(
        "net-vpn-cannot-connect",
        "VPN",
        "uto",
        "VPN client cannot connect to the gateway",
        ["vpn not connecting", "cant connect to vpn", "vpn broken"],
        [
            "{vpn} won't connect, it says 'Gateway unreachable' after a minute.",
            "I can't connect to the VPN at all from home, it fails with error 809.",
            "The VPN gets to 'Connecting...' and then gives up. My home internet works fine.",
        ],
        error=[
            "Error 809: The network connection between your computer and the VPN server could not be established",
            "Gateway unreachable",
            "[10:41:02] Connecting to vpn.example.com...\n"
            "[10:41:17] SSL handshake failed\n"
            "[10:41:17] Gateway unreachable, retrying (1/3)",
        ],
    ),
    situation(
        "net-vpn-access-request",
        "VPN",
        "mu",
        "VPN access requested for remote work",
        ["need vpn access", "vpn access request", "remote access request"],
        [
            "I'll be working from home two days a week. Could I get VPN access?",
            "Please enable remote access (VPN) for my account, my manager {manager} approved hybrid work.",
            "Requesting VPN access for our contractor {person} so they can reach {app}.",
        ],
        request=True,
    ),
    situation(
        "net-vpn-slow",
        "VPN",
        "mu",
        "VPN connection very slow",
        ["vpn very slow", "slow over vpn", "vpn speed terrible"],
        [
            "Everything over the VPN is extremely slow, opening a file on {share} takes minutes.",
            "When I'm on {vpn} my internet crawls, speed tests show under 1 Mbit.",
            "The VPN is so slow today that {app} keeps timing out.",
        ],
    ),
    situation(
        "net-vpn-no-internal",
        "VPN",
        "ut",
        "VPN connects but internal sites are unreachable",
        ["vpn connected but nothing works", "cant reach intranet on vpn", "vpn no internal access"],
        [
            "The VPN says connected but I can't reach the intranet or any internal server.",
            "{vpn} connects fine but {share} and {app} don't open.",
            "Connected to the VPN, yet internal websites time out. External sites work.",
        ],
        error=[
            "This site can't be reached: ERR_NAME_NOT_RESOLVED",
            "Request timed out.",
        ],
    ),
    situation(
        "net-vpn-certificate",
        "VPN",
        "u",
        "VPN fails with a certificate validation error",
        ["vpn certificate error", "vpn cert expired", "certificate validation failure vpn"],
        [
            "The VPN client shows 'Certificate validation failure' and won't connect.",
            "{vpn} complains that my machine certificate is invalid or expired.",
            "I get a certificate warning when connecting to the VPN and then it disconnects.",
        ],
        error=[
            "Certificate validation failure",
            "No valid certificate found for authentication",
        ],
    ),
    situation(
        "net-vpn-hotel",
        "VPN",
        "u",
        "VPN blocked on hotel or public Wi-Fi",
        ["vpn not working in hotel", "vpn blocked hotel wifi", "vpn on public wifi"],
        [
            "I'm at a hotel and the VPN won't connect on their Wi-Fi, the internet itself works.",
            "The VPN doesn't connect from the airport lounge network.",
            "On the client's guest Wi-Fi my VPN times out every time.",
        ],
        error=[
            "Login failed. Reason: timeout",
            "Gateway unreachable",
        ],
    ),
    situation(
        "net-vpn-site-tunnel",
        "VPN",
        "to",
        "Site-to-site VPN tunnel to {site} is down",
        ["site vpn down", "tunnel to {site} down", "branch vpn down"],
        [
            "The site-to-site VPN between {site} and head office is down, the branch can't reach any central system.",
            "Our office in {site} lost the tunnel to the data centre since {since}.",
            "Monitoring shows the IPsec tunnel to {site} flapping up and down.",
        ],
        voice="system",
        error=[
            "IKE phase 1 negotiation failed",
            "Tunnel to {site} is down (IPsec SA expired)",
        ],
    ),
    situation(
        "net-vpn-client-install",
        "VPN",
        "m",
        "VPN client installation requested on a new laptop",
        ["install vpn client", "vpn missing on laptop", "need vpn software"],
        [
            "My new laptop doesn't have the VPN client. Could you install it?",
            "Please install {vpn} on my laptop, I start working from home next week.",
            "The VPN app is missing on my Mac, can you push it?",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "net-vpn-call-quality",
        "VPN",
        "mu",
        "Poor call quality while connected to the VPN",
        ["calls bad on vpn", "teams choppy on vpn", "voice breaks on vpn"],
        [
            "Calls are choppy whenever I'm connected to the VPN, fine when I disconnect.",
            "My audio breaks up in meetings while on {vpn}. Could split tunnelling be an issue?",
            "Video calls freeze every few seconds only when the VPN is on.",
        ],
    ),
    situation(
        "net-vpn-mac-upgrade",
        "VPN",
        "u",
        "VPN client stopped working after a macOS upgrade",
        ["vpn broken after mac update", "mac vpn not working", "vpn mac upgrade"],
        [
            "After upgrading macOS the VPN client won't start.",
            "{vpn} on my MacBook stopped connecting after the system update.",
            "Since the macOS update the VPN says the system extension is blocked.",
        ],
        error=[
            "System Extension Blocked",
            "The VPN service is unavailable",
        ],
    ),
    # ---- Wi-Fi
    situation(
        "net-wifi-guest",
        "Wi-Fi",
        "m",
        "Guest Wi-Fi access requested for visitors",
        ["guest wifi access", "wifi for visitors", "guest wifi password"],
        [
            "We have visitors from {vendor} on {weekday}. Can we get guest Wi-Fi access for them?",
            "What's the guest Wi-Fi password this week? A customer is in the office.",
            "Please create guest Wi-Fi vouchers for a workshop with 15 external people.",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "net-wifi-meeting-room",
        "Wi-Fi",
        "mt",
        "Wi-Fi drops in {room}",
        ["wifi drops in {room}", "wifi bad in meeting room", "no wifi in {room}"],
        [
            "Wi-Fi in {room} keeps dropping during meetings.",
            "The wireless in {room} disconnects every few minutes, people switch to hotspots.",
            "Whenever I'm in {room} my laptop loses the Wi-Fi.",
        ],
    ),
    situation(
        "net-wifi-weak-area",
        "Wi-Fi",
        "mt",
        "Weak Wi-Fi signal in part of the {site} office",
        ["weak wifi", "wifi signal bad", "poor wifi coverage"],
        [
            "The Wi-Fi signal at the far end of the {floor} floor in {site} is very weak.",
            "Only one bar of Wi-Fi in our corner of the office, video calls drop.",
            "Wi-Fi coverage in the new area on the {floor} floor is poor.",
        ],
    ),
    situation(
        "net-wifi-corp-auth",
        "Wi-Fi",
        "u",
        "Laptop cannot authenticate to the corporate Wi-Fi",
        ["cant connect corp wifi", "wifi authentication failed", "corporate wifi not working"],
        [
            "My laptop can't join the corporate Wi-Fi, it says 'Can't connect to this network'.",
            "The office Wi-Fi asks for a certificate and then fails authentication.",
            "I can connect to guest Wi-Fi but not the corporate network since {since}.",
        ],
        error=[
            "Can't connect to this network",
            "Authentication failed",
            "Windows was unable to find a certificate to log you on to the network",
        ],
    ),
    situation(
        "net-wifi-new-ap",
        "Wi-Fi",
        "mt",
        "Additional Wi-Fi access points requested",
        ["need more wifi access points", "wifi in warehouse", "new access point request"],
        [
            "We're opening a new area at {site} and need Wi-Fi there for the scanners.",
            "Could an extra access point be installed in the canteen? It's used for town halls.",
            "Please add Wi-Fi coverage to the new mezzanine in the warehouse.",
        ],
        request=True,
    ),
    situation(
        "net-wifi-slow",
        "Wi-Fi",
        "mut",
        "Office Wi-Fi very slow",
        ["wifi very slow", "slow wireless", "wifi crawling"],
        [
            "The office Wi-Fi is really slow today, pages take ages to load.",
            "Wi-Fi speed on the {floor} floor is terrible since {since}.",
            "Downloads on the office wireless run at a few hundred kilobits.",
        ],
    ),
    situation(
        "net-wifi-event",
        "Wi-Fi",
        "m",
        "Wi-Fi access requested for an event",
        ["wifi for event", "event wifi", "wifi for training day"],
        [
            "We're running a training day in the {site} office on {weekday}. Can we get Wi-Fi access for 30 attendees?",
            "Please set up Wi-Fi for the customer event in the canteen next week.",
            "Could we get a dedicated wireless network for the conference in {room}?",
        ],
        request=True,
        group="Service Desk",
    ),
    situation(
        "net-wifi-captive-portal",
        "Wi-Fi",
        "mu",
        "Guest Wi-Fi login page does not load",
        ["guest wifi login page not loading", "captive portal broken", "cant log in guest wifi"],
        [
            "The guest Wi-Fi login page never appears, so visitors can't get online.",
            "When I join the guest Wi-Fi the terms page is blank.",
            "The guest wireless portal gives a certificate error on every phone.",
        ],
        error=[
            "Your connection is not private: NET::ERR_CERT_AUTHORITY_INVALID",
            "This page isn't responding",
        ],
    ),
    situation(
        "net-wifi-device-registration",
        "Wi-Fi",
        "m",
        "Device registration on Wi-Fi requested",
        ["register device on wifi", "connect device to wifi", "iot device wifi"],
        [
            "We have a new {device} that needs to join the Wi-Fi. Can you register its MAC address?",
            "Please allow our {device} on the wireless network.",
            "The {device} in {room} can't connect to Wi-Fi, I think it needs registering.",
        ],
        request=True,
        device=["smart TV", "digital signage screen", "wireless presenter", "label printer", "sensor"],
    ),
    situation(
        "net-wifi-floor-down",
        "Wi-Fi",
        "to",
        "Wi-Fi down on a whole floor",
        ["wifi down on floor", "no wifi whole floor", "wireless down"],
        [
            "The Wi-Fi is completely down on the {floor} floor in {site}.",
            "No wireless network visible anywhere on our floor since {since}.",
            "The Wi-Fi access points on our floor have all gone dark.",
        ],
    ),
    situation(
        "net-wifi-network-missing",
        "Wi-Fi",
        "u",
        "Laptop does not see any Wi-Fi networks",
        ["laptop cant see wifi", "no wifi networks", "wifi missing"],
        [
            "My laptop doesn't see any Wi-Fi networks at all, colleagues next to me are fine.",
            "The Wi-Fi icon disappeared from my laptop and no networks show up.",
            "My {laptop} says 'No Wi-Fi networks found' everywhere.",
        ],
        error=[
            "No Wi-Fi networks found",
            "The wireless capability is turned off",
        ],
    ),
    # ---- Connectivity
    situation(
        "net-conn-desk-no-network",
        "Connectivity",
        "u",
        "No network connection at the user's desk",
        ["no internet at desk", "network cable not working", "no network"],
        [
            "My PC says 'Network cable unplugged' even though the cable is in.",
            "No network at my desk today, I swapped the cable and it's the same.",
            "The network port at my desk seems dead, my laptop gets no connection.",
        ],
        error=[
            "Network cable unplugged",
            "No internet access",
            "C:\\> ipconfig\nMedia State . . . . . . . . . . . : Media disconnected",
        ],
    ),
    situation(
        "net-conn-site-outage",
        "Connectivity",
        "o",
        "Network outage at the {site} site",
        ["{site} network down", "site offline", "whole office no network"],
        [
            "The whole {site} office has no network or internet since {since}.",
            "Everything is down at the {site} site: no internet, no phones, no systems.",
            "Our branch in {site} lost all connectivity, the router lights are red.",
        ],
        error=[
            "Destination host unreachable.",
            "C:\\> ping 10.20.4.1\n"
            "Request timed out.\n"
            "Request timed out.\n"
            "Request timed out.\n"
            "Packets: Sent = 4, Received = 0, Lost = 4 (100% loss)",
        ],
    ),
    situation(
        "net-conn-port-activation",
        "Connectivity",
        "m",
        "Network port activation requested",
        ["activate network port", "patch network point", "need network port"],
        [
            "Could you activate network port 3-14 at my new desk?",
            "Please patch the network points in {room}, none of them are live.",
            "We need two network ports enabled on the {floor} floor for new printers.",
        ],
        request=True,
    ),
    situation(
        "net-conn-branch-slow",
        "Connectivity",
        "to",
        "Slow internet at the {site} branch",
        ["internet slow at branch", "{site} slow internet", "branch bandwidth"],
        [
            "Internet in the {site} office is extremely slow today.",
            "Everything cloud-based is crawling at our {site} site.",
            "The {site} branch line seems saturated, every call and upload is slow.",
        ],
    ),
    situation(
        "net-conn-voip-loss",
        "Connectivity",
        "ut",
        "Packet loss causing poor phone call quality",
        ["calls breaking up", "packet loss", "voip quality bad"],
        [
            "Desk phone calls break up and the other side hears robotic voices.",
            "We see packet loss on the network and the IP phones keep dropping calls.",
            "Calls from the contact centre cut out every couple of minutes.",
        ],
        error=[
            "Poor network quality detected",
            "Packet loss 12%, jitter 85 ms",
        ],
    ),
    situation(
        "net-conn-server-unreachable",
        "Connectivity",
        "ut",
        "Server {server} unreachable from the office network",
        ["cant reach {server}", "{server} unreachable", "server timeout"],
        [
            "I can't reach {server} from my desk, ping times out.",
            "Connections to {server} fail with 'Destination host unreachable'.",
            "{server} isn't reachable from the office network since {since}, it works from home.",
        ],
        error=[
            "Request timed out.",
            "Destination host unreachable.",
            "C:\\> ping {server}\n"
            "Request timed out.\n"
            "Request timed out.\n"
            "Packets: Sent = 4, Received = 0, Lost = 4 (100% loss)",
        ],
    ),
    situation(
        "net-conn-new-office",
        "Connectivity",
        "mt",
        "Network cabling requested for a new office space",
        ["network for new office", "cabling request", "new office network"],
        [
            "We're moving into a new office space at {site} and need network cabling for {count} desks.",
            "Please plan network connectivity for the refurbished {floor} floor.",
            "The new project room needs network points and a switch.",
        ],
        request=True,
    ),
    situation(
        "net-conn-intermittent",
        "Connectivity",
        "mu",
        "Intermittent network drops on a wired connection",
        ["network keeps dropping", "ethernet drops", "connection intermittent"],
        [
            "My wired connection drops for a few seconds several times an hour.",
            "The network keeps going on and off at my desk.",
            "I lose network every few minutes, Teams says 'reconnecting' constantly.",
        ],
        error=[
            "Network cable unplugged",
            "Reconnecting...",
        ],
    ),
    situation(
        "net-conn-ip-conflict",
        "Connectivity",
        "u",
        "IP address conflict prevents network access",
        ["ip conflict", "ip address conflict", "limited connectivity"],
        [
            "Windows says there's an IP address conflict and I have no network.",
            "My laptop gets a 169.254 address and no connection.",
            "I keep getting 'IP address conflict detected' and then lose network.",
        ],
        error=[
            "Windows has detected an IP address conflict",
            "C:\\> ipconfig\nAutoconfiguration IPv4 Address. . : 169.254.23.117\nDefault Gateway . . . . . . . . . :",
        ],
    ),
    situation(
        "net-conn-switch-down",
        "Connectivity",
        "to",
        "Network switch in the comms room is down",
        ["switch down", "comms room switch", "network switch failed"],
        [
            "A switch in the {floor} floor comms room seems down, all desks on that side have no network.",
            "Monitoring shows the access switch on the {floor} floor offline.",
            "The network switch by the lifts has no lights and half the floor is offline.",
        ],
        voice="system",
        error=[
            "Interface GigabitEthernet1/0/48 changed state to down",
            "Host sw-{floor}-01 is DOWN (PING CRITICAL - Packet loss = 100%)",
        ],
    ),
    situation(
        "net-conn-cloud-latency",
        "Connectivity",
        "ut",
        "High latency to a cloud application",
        ["cloud app lagging", "high latency to {app}", "network lag"],
        [
            "{app} is very laggy from the office, every click takes seconds.",
            "We see high latency to {app}, other sites are fine.",
            "Connections to {app} from the office take very long to establish.",
        ],
        error=[
            "Reply from 52.112.4.10: bytes=32 time=480ms TTL=112",
            "Request timed out.",
        ],
    ),
    # ---- Firewall & DNS
    situation(
        "net-fw-port-open",
        "Firewall & DNS",
        "mu",
        "Firewall rule requested to open a port",
        ["open firewall port", "firewall rule request", "need port opened"],
        [
            "Please open port {port} from {server} to {vendor}'s API for the new integration.",
            "We need a firewall rule allowing {server} to reach an external SFTP server on port 22.",
            "Could you allow outbound traffic on port {port} for our new monitoring tool?",
        ],
        request=True,
        port=["443", "8443", "22", "1433", "5432", "9000"],
    ),
    situation(
        "net-fw-site-blocked",
        "Firewall & DNS",
        "mu",
        "Website blocked by the web filter",
        ["website blocked", "site blocked by policy", "unblock website"],
        [
            "I need {website} for my work but it's blocked by company policy.",
            "The web filter blocks {website}, which we use to work with a customer.",
            "Can {website} be unblocked? It says 'blocked by company policy'.",
        ],
        request=True,
    ),
    situation(
        "net-dns-not-resolving",
        "Firewall & DNS",
        "uto",
        "Hostname {hostname} does not resolve",
        ["{hostname} not resolving", "dns error", "server not found"],
        [
            "{hostname} doesn't open, the browser says 'server not found'.",
            "DNS lookups for {hostname} fail from my laptop.",
            "I get DNS_PROBE_FINISHED_NXDOMAIN for {hostname} since {since}.",
        ],
        error=[
            "DNS_PROBE_FINISHED_NXDOMAIN",
            "Server not found",
            "C:\\> nslookup {hostname}\n"
            "Server:  dc01.corp.example.com\n"
            "*** dc01.corp.example.com can't find {hostname}: Non-existent domain",
        ],
    ),
    situation(
        "net-dns-new-record",
        "Firewall & DNS",
        "m",
        "New DNS record requested",
        ["new dns record", "dns entry request", "create cname"],
        [
            "Please create a DNS record {newhost} pointing to {server}.",
            "Could you add a CNAME for {newhost}? The app team is moving the service.",
            "We need an internal DNS entry {newhost} for the new test environment.",
        ],
        request=True,
        newhost=["reports.corp.example.com", "api-test.example.com", "wiki2.corp.example.com", "files.example.com"],
    ),
    situation(
        "net-fw-vendor-blocked",
        "Firewall & DNS",
        "ut",
        "Firewall blocking a supplier application",
        ["firewall blocking app", "vendor app blocked", "connection refused firewall"],
        [
            "{vendor}'s ordering app stopped connecting, the vendor says our firewall blocks it.",
            "Our connection to {vendor}'s portal times out from the office but works on mobile data.",
            "Since the firewall change on {weekday} we can't reach {vendor}'s system.",
        ],
        error=[
            "ERR_CONNECTION_TIMED_OUT",
            "Connection reset by peer",
            "curl: (28) Failed to connect to {vendor} portal port 443 after 21045 ms: Timed out",
        ],
    ),
    situation(
        "net-dns-wrong-ip",
        "Firewall & DNS",
        "ut",
        "DNS returns the old IP address after a migration",
        ["dns old ip", "dns wrong address", "stale dns"],
        [
            "{hostname} still resolves to the old server after yesterday's migration.",
            "Half of the users reach the old {hostname} server, DNS seems out of date.",
            "Internal DNS gives the wrong IP for {hostname}.",
        ],
        error=[
            "C:\\> nslookup {hostname}\nName:    {hostname}\nAddress:  10.20.4.15   (old server)",
        ],
    ),
    situation(
        "net-fw-partner-allowlist",
        "Firewall & DNS",
        "mu",
        "Partner IP address to be added to the firewall allowlist",
        ["allowlist partner ip", "whitelist ip", "firewall whitelist"],
        [
            "Please add {vendor}'s IP range to the allowlist for our SFTP server.",
            "Our partner {vendor} changed their outgoing IP address, can you update the firewall allowlist?",
            "We need to allow {vendor}'s new server IP through the firewall.",
        ],
        request=True,
    ),
    situation(
        "net-fw-sftp-blocked",
        "Firewall & DNS",
        "ut",
        "SFTP transfers to a partner blocked",
        ["sftp blocked", "file transfer failing", "cant reach sftp"],
        [
            "Our nightly SFTP upload to {vendor} fails with 'connection refused'.",
            "I can't connect to {vendor}'s SFTP server any more, it times out on port 22.",
            "File transfers to the bank's SFTP stopped since {since}.",
        ],
        error=[
            "ssh: connect to host port 22: Connection refused",
            "Network error: Connection timed out",
        ],
    ),
    situation(
        "net-dns-public-site-down",
        "Firewall & DNS",
        "o",
        "Public company website unreachable due to a DNS problem",
        ["website down", "company site not loading", "public site dns"],
        [
            "Our public website doesn't load for customers, the domain doesn't seem to resolve.",
            "The company website and online shop are unreachable from outside.",
            "Customers report our website 'server not found' since {since}.",
        ],
        voice="system",
        error=[
            "DNS_PROBE_FINISHED_NXDOMAIN",
            "This site can't be reached",
        ],
    ),
    situation(
        "net-fw-ssl-inspection",
        "Firewall & DNS",
        "mu",
        "SSL inspection breaks access to a website",
        ["certificate error website", "ssl inspection", "site certificate warning"],
        [
            "{website} shows a certificate warning only on the company network.",
            "A tool I use says 'SSL handshake failed' behind the proxy.",
            "Git and Python can't download packages in the office because of a certificate error.",
        ],
        error=[
            "SSL certificate problem: unable to get local issuer certificate",
            "NET::ERR_CERT_AUTHORITY_INVALID",
        ],
    ),
    situation(
        "net-fw-rule-review",
        "Firewall & DNS",
        "m",
        "Firewall rule review requested",
        ["firewall rule review", "check firewall rules", "cleanup firewall rules"],
        [
            "Could the network team review the firewall rules for {server}? We're decommissioning services.",
            "Please check which firewall rules still exist for the old {vendor} connection and remove them.",
            "For the audit we need a list of firewall rules that allow inbound traffic to {server}.",
        ],
        request=True,
    ),
]
